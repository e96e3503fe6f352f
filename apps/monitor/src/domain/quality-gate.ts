import type { Alert, DegradedEvidence, QualityMetric, QualityThreshold, QualityThresholds } from '@meridian/contracts';
import type { Alerts } from './alerts.ts';
import { scores } from './scores.ts';

const METRICS: readonly QualityMetric[] = ['f1', 'precision', 'recall'];

/** A model's own thresholds, else the `*` entry; none means its quality is not checked. */
export function thresholdsFor(config: QualityThresholds, model: string): QualityThreshold | undefined {
  return config[model] ?? config['*'];
}

/** The metrics below their minimums (a metric without one is never breached). */
export function breaches(s: Record<QualityMetric, number>, t: QualityThreshold): QualityMetric[] {
  return METRICS.filter((m) => {
    const min = t[`min_${m}`];
    return min !== undefined && s[m] < min;
  });
}

/**
 * The window a version's `total`-th label completed, if it completed one:
 * window k holds labels [k·size, (k+1)·size), so each is judged exactly once,
 * by the writer whose label filled it.
 */
export function completedWindow(total: number, size: number): number | undefined {
  return total > 0 && total % size === 0 ? total / size - 1 : undefined;
}

/**
 * Turns quality against delayed labels into `degraded` alerts: each full
 * window of `min_labels` labelled predictions of a version is scored once,
 * and a metric below its threshold raises one alert for that window (the
 * alert's key is first-write, so a second look raises nothing).
 */
export class QualityGate {
  constructor(private readonly opts: { thresholds: QualityThresholds; alerts: Alerts }) {}

  /** Pairs a version must keep so its latest window can be scored. */
  keep(model: string): number {
    return thresholdsFor(this.opts.thresholds, model)?.min_labels ?? 0;
  }

  /**
   * Called after a label joined: `total` labels of the version so far, `latest` its latest
   * (decision, label) pairs in order, at least `keep(model)` of them.
   */
  async check(o: {
    model: string;
    version: string;
    total: number;
    latest: readonly [number, number][];
  }): Promise<Alert | undefined> {
    const thresholds = thresholdsFor(this.opts.thresholds, o.model);
    if (!thresholds) return undefined;
    const index = completedWindow(o.total, thresholds.min_labels);
    if (index === undefined) return undefined;
    const metrics = scores(o.latest.slice(-thresholds.min_labels));
    const breached = breaches(metrics, thresholds);
    if (!breached.length) return undefined;
    const evidence: DegradedEvidence = {
      metrics,
      thresholds,
      breached,
      window: { index, size: thresholds.min_labels },
    };
    return this.opts.alerts.raise({ model: o.model, version: o.version, kind: 'degraded', window: index, evidence });
  }
}
