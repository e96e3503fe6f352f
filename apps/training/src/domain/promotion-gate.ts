import type { ModelVersionSummary } from '@meridian/contracts';

export interface GateResult {
  passed: boolean;
  candidate: number;
  /** The production version compared against, when there is one. */
  production?: string;
  reason: string;
}

/**
 * Whether a candidate may replace production: it may be at most `margin`
 * worse on the gate metric. With no production version, or one without the
 * metric, there is nothing to compare against and it passes.
 */
export function promotionGate(o: {
  versions: ModelVersionSummary[];
  metrics: Record<string, number>;
  gateMetric: string;
  margin: number;
}): GateResult {
  const production = o.versions.find((v) => v.stage === 'production');
  const candidate = o.metrics[o.gateMetric]!;
  if (!production)
    return { passed: true, candidate, reason: `no production version yet; ${o.gateMetric} ${candidate.toFixed(4)}` };
  const current = production.metrics?.[o.gateMetric];
  if (typeof current !== 'number')
    return {
      passed: true,
      candidate,
      production: production.version,
      reason: `production v${production.version} has no ${o.gateMetric}`,
    };
  const passed = candidate >= current - o.margin;
  const reason = `${o.gateMetric} ${candidate.toFixed(4)} vs production v${production.version} ${current.toFixed(4)} (margin ${o.margin})`;
  return {
    passed,
    candidate,
    production: production.version,
    reason: passed ? reason : `candidate is worse: ${reason}`,
  };
}
