import type { DriftReport, PredictionEvent } from '@meridian/contracts';
import { ksStatistic, psi } from '@meridian/ml';
import { rootLogger, type DaprClient, type DeliveryResult } from '@meridian/service-kit';
import type { References } from '../adapters/references.ts';
import type { Alerts } from './alerts.ts';
import { addToWindow, filledWindow, type DriftWindow } from './drift-window.ts';

const MAX_ATTEMPTS = 50;
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

  async observe(event: PredictionEvent): Promise<DeliveryResult> {
    const { dapr, store, windowSize } = this.opts;
    const key = windowKey(event.model);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await dapr.getState<DriftWindow>({ store, key });
      const next = addToWindow(current.value, event, windowSize);
      if (!next) return 'SUCCESS';
      if (await dapr.saveIfUnchanged({ store, key, value: next, etag: current.etag })) {
        const before = current.value?.version === next.version ? current.value.rows : 0;
        const index = filledWindow(before, next.rows, windowSize);
        // The writer that filled a window evaluates the window it wrote (off the delivery path; failures only cost this evaluation).
        if (index !== undefined) {
          void this.evaluate(event.model, next, index).catch((err: unknown) => rootLogger().warn({ err: (err as Error).message, model: event.model }, 'drift evaluation failed'));
        }
        return 'SUCCESS';
      }
      await new Promise((r) => setTimeout(r, 2 + Math.random() * 10 * (attempt + 1)));
    }
    return 'RETRY';
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
