export interface GroupRates {
  count: number;
  /** Rows with yTrue = 1. */
  positives: number;
  /** Share predicted 1. */
  selection_rate: number;
  /** Recall within the group; null when the group has no actual positives. */
  tpr: number | null;
}

export interface FairnessGaps {
  /** Selection rate, unprivileged minus privileged: < 0 means the unprivileged are selected less. */
  demographic_parity_difference: number;
  /** TPR, unprivileged minus privileged; null when either side has no actual positives. */
  equal_opportunity_difference: number | null;
  /** Selection rate, unprivileged / privileged (the "four-fifths rule" flags < 0.8); null when the privileged rate is 0. */
  disparate_impact_ratio: number | null;
}

export interface FairnessReport extends FairnessGaps {
  privileged: string;
  /** Rates per group value, including the privileged one. */
  groups: Record<string, GroupRates>;
  /** The headline gaps pool all non-privileged rows; these are each group's own gaps to the privileged. */
  by_group: Record<string, FairnessGaps>;
}

export interface FairnessReportOptions {
  yTrue: readonly number[];
  /** Decisions, 0 or 1 (scores thresholded already). */
  yPred: readonly number[];
  /** Protected attribute value per row. */
  groups: readonly string[];
  privileged: string;
}

/** Decisions against labels within one group (or a pool of groups). */
export interface ConfusionCounts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export const emptyConfusion = (): ConfusionCounts => ({ tp: 0, fp: 0, fn: 0, tn: 0 });

/** The counts with one more (decision, label) row; the old counts are untouched. */
export function addToConfusion(c: ConfusionCounts, decision: number, label: number): ConfusionCounts {
  if (decision === 1) return label === 1 ? { ...c, tp: c.tp + 1 } : { ...c, fp: c.fp + 1 };
  return label === 1 ? { ...c, fn: c.fn + 1 } : { ...c, tn: c.tn + 1 };
}

const pool = (counts: readonly ConfusionCounts[]): ConfusionCounts =>
  counts.reduce((a, c) => ({ tp: a.tp + c.tp, fp: a.fp + c.fp, fn: a.fn + c.fn, tn: a.tn + c.tn }), emptyConfusion());

function rates(c: ConfusionCounts): GroupRates {
  const count = c.tp + c.fp + c.fn + c.tn;
  const positives = c.tp + c.fn;
  return { count, positives, selection_rate: (c.tp + c.fp) / count, tpr: positives === 0 ? null : c.tp / positives };
}

/**
 * Group fairness of binary decisions against one protected attribute. Signs are fixed:
 * differences are unprivileged minus privileged, the ratio unprivileged over privileged, so
 * 0 and 1 mean parity and negative / below-1 values mean the unprivileged side gets less.
 */
export function fairnessReport(options: FairnessReportOptions): FairnessReport {
  const { yTrue, yPred, groups, privileged } = options;
  if (yTrue.length !== yPred.length || yTrue.length !== groups.length) {
    throw new Error(
      `fairnessReport: lengths differ (yTrue=${yTrue.length}, yPred=${yPred.length}, groups=${groups.length})`,
    );
  }
  if ([...yTrue, ...yPred].some((v) => v !== 0 && v !== 1))
    throw new Error('fairnessReport: yTrue and yPred must be 0 or 1');
  const counts: Record<string, ConfusionCounts> = {};
  groups.forEach((g, i) => (counts[g] = addToConfusion(counts[g] ?? emptyConfusion(), yPred[i]!, yTrue[i]!)));
  return fairnessFromCounts(counts, privileged);
}

/**
 * The same report from confusion counts per group, for callers that keep
 * counts rather than rows (the monitor accumulates them as labels arrive).
 * A group with no rows is left out.
 */
export function fairnessFromCounts(counts: Record<string, ConfusionCounts>, privileged: string): FairnessReport {
  const values = Object.keys(counts)
    .filter((g) => rates(counts[g]!).count > 0)
    .sort();
  if (!values.includes(privileged)) throw new Error(`fairnessReport: no rows in the privileged group "${privileged}"`);
  if (values.length < 2) throw new Error('fairnessReport: needs at least one unprivileged row');
  const reference = rates(counts[privileged]!);
  const gaps = (other: GroupRates): FairnessGaps => ({
    demographic_parity_difference: other.selection_rate - reference.selection_rate,
    equal_opportunity_difference: other.tpr === null || reference.tpr === null ? null : other.tpr - reference.tpr,
    disparate_impact_ratio: reference.selection_rate === 0 ? null : other.selection_rate / reference.selection_rate,
  });
  const unprivileged = values.filter((g) => g !== privileged);
  return {
    privileged,
    ...gaps(rates(pool(unprivileged.map((g) => counts[g]!)))),
    groups: Object.fromEntries(values.map((g) => [g, rates(counts[g]!)])),
    by_group: Object.fromEntries(unprivileged.map((g) => [g, gaps(rates(counts[g]!))])),
  };
}
