import { rowPredictionId, type Label, type PredictionEvent, type QualityReport } from '@meridian/contracts';
import type { DaprClient } from '@meridian/service-kit';

const DAY = 86_400;
const predictionKey = (rowId: string) => `prediction:${rowId}`;
const labelKey = (rowId: string) => `label:${rowId}`;
const windowKey = (model: string) => `quality:${model}`;

interface StoredPrediction {
  model: string;
  version: string;
  decision: 0 | 1;
}

/** Per version: the last `window` (decision, label) pairs. */
type QualityWindows = Record<string, [number, number][]>;

export function scores(pairs: readonly [number, number][]): { count: number; precision: number; recall: number; f1: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const [decision, label] of pairs) {
    if (decision === 1 && label === 1) tp += 1;
    else if (decision === 1) fp += 1;
    else if (label === 1) fn += 1;
  }
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  return { count: pairs.length, precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
}

/**
 * Quality against delayed labels. Each prediction row is kept (with a TTL)
 * under its row id; a label is joined to it by that id and its pair enters
 * the version's rolling window. A label already seen is a duplicate (its
 * marker is written first-write), and a label whose prediction has not
 * arrived yet is "unmatched" and left for a retry.
 */
export class LabelQuality {
  constructor(private readonly opts: { dapr: DaprClient; store: string; window: number; ttlSeconds?: number }) {}

  async recordPrediction(event: PredictionEvent): Promise<void> {
    const scoresOut = Object.values(event.outputs)[0] ?? [];
    const threshold = event.threshold ?? 0.5;
    const ttl = `${this.opts.ttlSeconds ?? 7 * DAY}`;
    await this.opts.dapr.saveState({
      store: this.opts.store,
      items: scoresOut.map((score, i) => ({
        key: predictionKey(rowPredictionId(event.id, i)),
        value: { model: event.model, version: event.version, decision: Number(score) >= threshold ? 1 : 0 } satisfies StoredPrediction,
        metadata: { ttlInSeconds: ttl },
      })),
    });
  }

  async recordLabels(labels: Label[]): Promise<{ accepted: number; duplicates: number; unmatched: string[] }> {
    const { dapr, store } = this.opts;
    let accepted = 0;
    let duplicates = 0;
    const unmatched: string[] = [];
    for (const l of labels) {
      const prediction = (await dapr.getState<StoredPrediction>({ store, key: predictionKey(l.prediction_id) })).value;
      if (!prediction) {
        unmatched.push(l.prediction_id);
        continue;
      }
      const fresh = await dapr.saveIfUnchanged({ store, key: labelKey(l.prediction_id), value: l.label, metadata: { ttlInSeconds: `${30 * DAY}` } });
      if (!fresh) {
        duplicates += 1;
        continue;
      }
      await this.append(prediction, [prediction.decision, l.label]);
      accepted += 1;
    }
    return { accepted, duplicates, unmatched };
  }

  private async append(p: StoredPrediction, pair: [number, number]): Promise<void> {
    const { dapr, store } = this.opts;
    for (let attempt = 0; attempt < 50; attempt++) {
      const current = await dapr.getState<QualityWindows>({ store, key: windowKey(p.model) });
      const windows = current.value ?? {};
      windows[p.version] = [...(windows[p.version] ?? []), pair].slice(-this.opts.window);
      const ok = await dapr.saveIfUnchanged({ store, key: windowKey(p.model), value: windows, etag: current.etag });
      if (ok) return;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
    }
    throw new Error(`quality window of ${p.model} stayed contended`);
  }

  async report(model: string): Promise<QualityReport | undefined> {
    const windows = (await this.opts.dapr.getState<QualityWindows>({ store: this.opts.store, key: windowKey(model) })).value;
    if (!windows) return undefined;
    const versions = Object.entries(windows).map(([version, pairs]) => ({ version, ...scores(pairs) })).sort((a, b) => Number(b.version) - Number(a.version));
    const latest = versions[0]!;
    return { model, version: latest.version, count: latest.count, precision: latest.precision, recall: latest.recall, f1: latest.f1, window: this.opts.window, versions };
  }
}
