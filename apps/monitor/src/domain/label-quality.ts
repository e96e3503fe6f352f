import { rowPredictionId, type Label, type PredictionEvent, type QualityReport } from '@meridian/contracts';
import { addToConfusion, emptyConfusion, type ConfusionCounts } from '@meridian/ml';
import { rootLogger, type DaprClient } from '@meridian/service-kit';
import type { QualityGate } from './quality-gate.ts';
import { scores } from './scores.ts';

const DAY = 86_400;
const predictionKey = (rowId: string) => `prediction:${rowId}`;
const labelKey = (rowId: string) => `label:${rowId}`;
const windowKey = (model: string) => `quality:${model}`;

interface StoredPrediction {
  model: string;
  version: string;
  decision: 0 | 1;
  /** The row's protected attributes (attribute → group), when its request carried them. */
  protected?: Record<string, string>;
}

/** Confusion counts per protected attribute and group. */
export type GroupConfusion = Record<string, Record<string, ConfusionCounts>>;

/** One version's labelled predictions. */
export interface VersionLabels {
  /** The latest (decision, label) pairs, in arrival order. */
  pairs: [number, number][];
  /** Labels ever joined to the version: the quality gate's windows are counted on it. */
  total: number;
  /** Over every labelled prediction whose request carried protected attributes (not windowed). */
  groups?: GroupConfusion;
}

/** Per version; a bare array is a window stored before totals were kept. */
type QualityState = Record<string, VersionLabels | [number, number][]>;

const normalise = (v: VersionLabels | [number, number][] | undefined): VersionLabels | undefined => (Array.isArray(v) ? { pairs: v, total: v.length } : v);

/** The version's labels with one more joined: the pair kept (the latest `keep`), the total and the group counts grown. */
export function addLabel(v: VersionLabels | undefined, o: { pair: [number, number]; groups?: Record<string, string> | undefined; keep: number }): VersionLabels {
  const groups: GroupConfusion = { ...v?.groups };
  for (const [attribute, group] of Object.entries(o.groups ?? {})) {
    groups[attribute] = { ...groups[attribute], [group]: addToConfusion(groups[attribute]?.[group] ?? emptyConfusion(), ...o.pair) };
  }
  return {
    pairs: [...(v?.pairs ?? []), o.pair].slice(-o.keep),
    total: (v?.total ?? 0) + 1,
    ...(Object.keys(groups).length ? { groups } : {}),
  };
}

/**
 * Quality against delayed labels. Each prediction row is kept (with a TTL)
 * under its row id; a label is joined to it by that id and its pair enters
 * the version's rolling window. A label already seen is a duplicate (its
 * marker is written first-write), and a label whose prediction has not
 * arrived yet is "unmatched" and left for a retry. After each join the
 * quality gate looks at the window that label may have completed.
 */
export class LabelQuality {
  constructor(private readonly opts: { dapr: DaprClient; store: string; window: number; gate?: QualityGate; ttlSeconds?: number }) {}

  async recordPrediction(event: PredictionEvent): Promise<void> {
    const scoresOut = Object.values(event.outputs)[0] ?? [];
    if (!scoresOut.length) return;
    const threshold = event.threshold ?? 0.5;
    const ttl = `${this.opts.ttlSeconds ?? 7 * DAY}`;
    const groupsOf = (i: number) => (event.protected ? { protected: Object.fromEntries(Object.entries(event.protected).map(([attribute, values]) => [attribute, values[i]!])) } : {});
    await this.opts.dapr.saveState({
      store: this.opts.store,
      items: scoresOut.map((score, i) => ({
        key: predictionKey(rowPredictionId(event.id, i)),
        value: { model: event.model, version: event.version, decision: Number(score) >= threshold ? 1 : 0, ...groupsOf(i) } satisfies StoredPrediction,
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
      const written = await this.append(prediction, [prediction.decision, l.label]);
      accepted += 1;
      // The label is recorded either way; a failed check is logged rather than failing its delivery (a retry would find a duplicate).
      await this.opts.gate?.check({ model: prediction.model, version: prediction.version, total: written.total, latest: written.pairs })
        .catch((err: unknown) => rootLogger().error({ err: (err as Error).message, model: prediction.model, version: prediction.version }, 'quality check failed; its window raised no alert'));
    }
    return { accepted, duplicates, unmatched };
  }

  /** Adds the pair by compare-and-swap and answers the version's labels as written (the gate judges exactly that state). */
  private async append(p: StoredPrediction, pair: [number, number]): Promise<VersionLabels> {
    const { dapr, store } = this.opts;
    const keep = Math.max(this.opts.window, this.opts.gate?.keep(p.model) ?? 0);
    for (let attempt = 0; attempt < 50; attempt++) {
      const current = await dapr.getState<QualityState>({ store, key: windowKey(p.model) });
      const versions = current.value ?? {};
      const next = addLabel(normalise(versions[p.version]), { pair, groups: p.protected, keep });
      const ok = await dapr.saveIfUnchanged({ store, key: windowKey(p.model), value: { ...versions, [p.version]: next }, etag: current.etag });
      if (ok) return next;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
    }
    throw new Error(`quality window of ${p.model} stayed contended`);
  }

  async report(model: string): Promise<QualityReport | undefined> {
    const state = (await this.opts.dapr.getState<QualityState>({ store: this.opts.store, key: windowKey(model) })).value;
    if (!state) return undefined;
    const versions = Object.entries(state)
      .map(([version, v]) => ({ version, ...scores(normalise(v)!.pairs.slice(-this.opts.window)) }))
      .sort((a, b) => Number(b.version) - Number(a.version));
    const latest = versions[0]!;
    return { model, version: latest.version, count: latest.count, precision: latest.precision, recall: latest.recall, f1: latest.f1, window: this.opts.window, versions };
  }

  /** Decisions against labels per protected attribute and group, for one version. */
  async groups(model: string, version: string): Promise<GroupConfusion> {
    const state = (await this.opts.dapr.getState<QualityState>({ store: this.opts.store, key: windowKey(model) })).value;
    return normalise(state?.[version])?.groups ?? {};
  }
}
