import type { DriftReport, PredictionEvent } from '@meridian/contracts';
import { ksStatistic, psi } from '@meridian/ml';
import { rootLogger, updateMany, type DaprClient } from '@meridian/service-kit';
import type { References } from '../adapters/references.ts';
import type { Alerts } from './alerts.ts';
import { addToWindow, filledWindow, type DriftWindow } from './drift-window.ts';

const windowKey = (model: string) => `drift:${model}`;

export interface DriftThresholds {
  psi: number;
  ks_p_value: number;
}

/**
 * Data and prediction drift over sliding windows of the prediction log: each
 * numeric input and the first output are compared with the training
 * distributions stored with the model version (PSI on the reference's bins,
 * Kolmogorov–Smirnov against its sample). When a window fills and drifts, an
 * alert is raised (once per window). The windows live in the state store,
 * one key per model replaced by compare-and-swap, so a restart or a second
 * replica carries on where the last left off; the key also holds the ids of
 * the events in the window, so a redelivered event is taken once.
 */
export class DriftMonitor {
  constructor(private readonly opts: { dapr: DaprClient; store: string; references: References; alerts: Alerts; windowSize: number; thresholds: DriftThresholds }) {}

  /**
   * Adds a batch of events to their models' windows, one write per model;
   * answers the ids of events whose window stayed contended (to retry). A
   * write that fills a window has its writer evaluate that window.
   */
  async observeMany(events: readonly PredictionEvent[]): Promise<Set<string>> {
    const { windowSize } = this.opts;
    const byModel = new Map<string, PredictionEvent[]>();
    for (const e of events) byModel.set(windowKey(e.model), [...(byModel.get(windowKey(e.model)) ?? []), e]);
    const result = await updateMany<DriftWindow>({
      state: this.opts.dapr, store: this.opts.store, keys: [...byModel.keys()],
      change: (current, key) => {
        let w = current;
        let changed = false;
        for (const e of byModel.get(key)!) {
          const next = addToWindow(w, e, windowSize);
          if (next) [w, changed] = [next, true];
        }
        return changed ? w : undefined;
      },
    });
    for (const [key, { before, after }] of result.written) {
      const model = byModel.get(key)![0]!.model;
      const index = filledWindow(before?.version === after.version ? before.rows : 0, after.rows, windowSize);
      // Off the delivery path; a failure only costs this evaluation.
      if (index !== undefined) void this.evaluate(model, after, index).catch((err: unknown) => rootLogger().warn({ err: (err as Error).message, model }, 'drift evaluation failed'));
    }
    return new Set([...result.failed].flatMap((key) => byModel.get(key)!.map((e) => e.id)));
  }

  async report(model: string): Promise<DriftReport | undefined> {
    const w = (await this.opts.dapr.getState<DriftWindow>({ store: this.opts.store, key: windowKey(model) })).value;
    return w && this.reportOf(model, w);
  }

  private async reportOf(model: string, w: DriftWindow): Promise<DriftReport | undefined> {
    const reference = await this.opts.references.get(model, w.version);
    if (!reference) return undefined;
    const { thresholds, windowSize } = this.opts;
    const features = Object.entries(w.columns).flatMap(([name, column]) => {
      const ref = reference[name];
      if (!ref) return [];
      const p = psi({ reference: ref, current: column.values });
      const ks = ksStatistic(ref, column.values);
      return [{ name, kind: column.kind, psi: p, ks: ks.statistic, ks_p_value: ks.pValue, drifted: p >= thresholds.psi || ks.pValue < thresholds.ks_p_value }];
    });
    const index = Math.max(0, Math.ceil(w.rows / windowSize) - 1);
    return { model, version: w.version, window: { rows: Math.min(w.rows, windowSize), size: windowSize, index, seen: w.rows }, features, drifted: features.some((f) => f.drifted), thresholds };
  }

  private async evaluate(model: string, w: DriftWindow, index: number): Promise<void> {
    const report = await this.reportOf(model, w);
    if (!report?.drifted) return;
    const drifted = report.features.filter((f) => f.drifted);
    await this.opts.alerts.raise({
      model, version: report.version, kind: 'drift', window: index,
      evidence: { features: drifted.map((f) => ({ name: f.name, psi: f.psi, ks: f.ks, ks_p_value: f.ks_p_value })), thresholds: report.thresholds },
    });
  }
}
