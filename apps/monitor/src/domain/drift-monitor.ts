import type { DriftReport, PredictionEvent } from '@meridian/contracts';
import { ksStatistic, psi } from '@meridian/ml';
import { rootLogger } from '@meridian/service-kit';
import type { References } from '../adapters/references.ts';
import type { Alerts } from './alerts.ts';

export interface DriftThresholds {
  psi: number;
  ks_p_value: number;
}

interface ModelWindow {
  version: string;
  /** Rows seen for this version; window k holds rows [k·size, (k+1)·size). */
  rows: number;
  columns: Map<string, { kind: 'input' | 'prediction'; values: number[] }>;
}

/**
 * Data and prediction drift over sliding windows of the prediction log: each
 * numeric input and the first output are compared with the training
 * distributions stored with the model version (PSI on the reference's bins,
 * Kolmogorov–Smirnov against its sample). When a window fills and drifts, an
 * alert is raised (once per window).
 */
export class DriftMonitor {
  private readonly windows = new Map<string, ModelWindow>();

  constructor(private readonly opts: { references: References; alerts: Alerts; windowSize: number; thresholds: DriftThresholds }) {}

  observe(event: PredictionEvent): void {
    let w = this.windows.get(event.model);
    if (!w || w.version !== event.version) {
      w = { version: event.version, rows: 0, columns: new Map() };
      this.windows.set(event.model, w);
    }
    const add = (name: string, kind: 'input' | 'prediction', values: readonly unknown[]) => {
      const numbers = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      if (!numbers.length) return;
      const column = w.columns.get(name) ?? { kind, values: [] };
      column.values.push(...numbers);
      if (column.values.length > this.opts.windowSize) column.values.splice(0, column.values.length - this.opts.windowSize);
      w.columns.set(name, column);
    };
    for (const [name, values] of Object.entries(event.inputs)) add(name, 'input', values);
    const [output, values] = Object.entries(event.outputs)[0] ?? [];
    if (output && values) add(output, 'prediction', values);
    const before = Math.floor(w.rows / this.opts.windowSize);
    w.rows += event.rows;
    // A window just filled: evaluate it (off the delivery path; failures only cost this evaluation).
    if (Math.floor(w.rows / this.opts.windowSize) > before) {
      void this.evaluate(event.model).catch((err: unknown) => rootLogger().warn({ err: (err as Error).message, model: event.model }, 'drift evaluation failed'));
    }
  }

  async report(model: string): Promise<DriftReport | undefined> {
    const w = this.windows.get(model);
    if (!w) return undefined;
    const reference = await this.opts.references.get(model, w.version);
    if (!reference) return undefined;
    const { thresholds, windowSize } = this.opts;
    const features = [...w.columns.entries()].flatMap(([name, column]) => {
      const ref = reference[name];
      if (!ref) return [];
      const p = psi({ reference: ref, current: column.values });
      const ks = ksStatistic(ref, column.values);
      return [{ name, kind: column.kind, psi: p, ks: ks.statistic, ks_p_value: ks.pValue, drifted: p >= thresholds.psi || ks.pValue < thresholds.ks_p_value }];
    });
    const index = Math.max(0, Math.ceil(w.rows / windowSize) - 1);
    return { model, version: w.version, window: { rows: Math.min(w.rows, windowSize), size: windowSize, index }, features, drifted: features.some((f) => f.drifted), thresholds };
  }

  private async evaluate(model: string): Promise<void> {
    const report = await this.report(model);
    if (!report?.drifted) return;
    const drifted = report.features.filter((f) => f.drifted);
    await this.opts.alerts.raise({
      model, version: report.version, kind: 'drift', window: Math.floor(this.windows.get(model)!.rows / this.opts.windowSize) - 1,
      evidence: { features: drifted.map((f) => ({ name: f.name, psi: f.psi, ks: f.ks, ks_p_value: f.ks_p_value })), thresholds: report.thresholds },
    });
  }
}
