import { SLO_OBJECTIVES } from '@meridian/contracts';
import { stringify } from 'yaml';
import { pubsubRules, upRules } from './platform-rules.ts';

export interface RecordingRule {
  record: string;
  expr: string;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: 'page' | 'ticket' };
  annotations: { summary: string; description: string };
}

export interface RuleGroup {
  name: string;
  rules: (RecordingRule | AlertingRule)[];
}

/**
 * Multi-window, multi-burn-rate alerts (the SRE workbook's table, over a 30-day budget): each
 * fires only while the long window and its short one both burn faster than `factor`, so it
 * starts quickly on a sharp burn and stops soon after the burn does.
 */
const BURN_WINDOWS = [
  { long: '1h', short: '5m', factor: 14.4, severity: 'page' },
  { long: '6h', short: '30m', factor: 6, severity: 'page' },
  { long: '3d', short: '6h', factor: 1, severity: 'ticket' },
] as const;

const WINDOWS = [...new Set(BURN_WINDOWS.flatMap((w) => [w.short, w.long]))];

/** The monitor's latency objective is on the 99th percentile: 1% of answered requests may be slower. */
const LATENCY_BUDGET = 1 - 0.99;

/**
 * The latency threshold as the histogram's `le` label. It must be one of inference's buckets
 * (apps/inference/src/domain/metrics.ts has 0.5): between buckets the slow share cannot be counted.
 */
const latencyLe = (ms: number) => String(ms / 1000);

function sloRules(objectives: { latency_p99_ms: number; error_rate: number }): RuleGroup[] {
  const le = latencyLe(objectives.latency_p99_ms);
  const slos = [
    {
      name: 'errors',
      budget: objectives.error_rate,
      // Failed requests (no answer) over all: the monitor's error rate, from inference's counters.
      ratio: (w: string) =>
        `sum by (model) (rate(meridian_inference_errors_total[${w}])) / sum by (model) (rate(meridian_inference_requests_total[${w}]))`,
      objective: `at most ${objectives.error_rate * 100}% of requests failing`,
    },
    {
      name: 'latency',
      budget: LATENCY_BUDGET,
      // Answered requests slower than the objective over all answered ones (the monitor's p99 is over answered requests too).
      ratio: (w: string) =>
        `1 - sum by (model) (rate(meridian_inference_request_duration_seconds_bucket{le="${le}"}[${w}])) / sum by (model) (rate(meridian_inference_request_duration_seconds_count[${w}]))`,
      objective: `p99 latency at most ${objectives.latency_p99_ms} ms`,
    },
  ];
  return slos.map((slo) => {
    const series = (w: string) => `meridian:inference_${slo.name}_ratio:rate${w}`;
    const record = WINDOWS.map((w): RecordingRule => ({ record: series(w), expr: slo.ratio(w) }));
    const alerts = BURN_WINDOWS.map(
      (b): AlertingRule => ({
        alert: `InferenceSlo${slo.name === 'errors' ? 'Errors' : 'Latency'}Burn${b.long}`,
        expr: `${series(b.long)} > ${b.factor} * ${slo.budget} and ${series(b.short)} > ${b.factor} * ${slo.budget}`,
        labels: { severity: b.severity },
        annotations: {
          summary: `Model {{ $labels.model }} is burning its ${slo.name} budget ${b.factor}x too fast`,
          description: `Over the last ${b.long} and ${b.short}, model {{ $labels.model }} spent the error budget of its ${slo.name} objective (${slo.objective}, as in the monitor's SLO report) ${b.factor}x as fast as 30 days allow: at this rate it is gone in ${Math.round(30 / b.factor)} days.`,
        },
      }),
    );
    return { name: `meridian-slo-${slo.name}`, rules: [...record, ...alerts] };
  });
}

/** Meridian's Prometheus alerting rules: the local Prometheus loads them, and deploy/ ships them as a ConfigMap. */
export function alertRules(o: { objectives?: { latency_p99_ms: number; error_rate: number } } = {}): {
  groups: RuleGroup[];
} {
  return { groups: [...sloRules(o.objectives ?? SLO_OBJECTIVES), pubsubRules, upRules] };
}

/** alertRules() as a Prometheus rule file. */
export const alertRulesYaml = (o: Parameters<typeof alertRules>[0] = {}) =>
  stringify(alertRules(o), { lineWidth: 0, aliasDuplicateObjects: false });
