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

/**
 * Group fairness of binary decisions against one protected attribute. Signs are fixed:
 * differences are unprivileged minus privileged, the ratio unprivileged over privileged, so
 * 0 and 1 mean parity and negative / below-1 values mean the unprivileged side gets less.
 */
export function fairnessReport(options: FairnessReportOptions): FairnessReport {
  const { yTrue, yPred, groups, privileged } = options;
  if (yTrue.length !== yPred.length || yTrue.length !== groups.length) {
    throw new Error(`fairnessReport: lengths differ (yTrue=${yTrue.length}, yPred=${yPred.length}, groups=${groups.length})`);
  }
  if ([...yTrue, ...yPred].some((v) => v !== 0 && v !== 1)) throw new Error('fairnessReport: yTrue and yPred must be 0 or 1');
  const values = [...new Set(groups)].sort();
  if (!values.includes(privileged)) throw new Error(`fairnessReport: no rows in the privileged group "${privileged}"`);
  if (values.length < 2) throw new Error('fairnessReport: needs at least one unprivileged row');

  const ratesWhere = (inGroup: (g: string) => boolean): GroupRates => {
    let count = 0;
    let positives = 0;
    let selected = 0;
    let truePositives = 0;
    groups.forEach((g, i) => {
      if (!inGroup(g)) return;
      count++;
      selected += yPred[i]!;
      positives += yTrue[i]!;
      truePositives += yTrue[i]! * yPred[i]!;
    });
    return { count, positives, selection_rate: selected / count, tpr: positives === 0 ? null : truePositives / positives };
  };
  const reference = ratesWhere((g) => g === privileged);
  const gaps = (other: GroupRates): FairnessGaps => ({
    demographic_parity_difference: other.selection_rate - reference.selection_rate,
    equal_opportunity_difference: other.tpr === null || reference.tpr === null ? null : other.tpr - reference.tpr,
    disparate_impact_ratio: reference.selection_rate === 0 ? null : other.selection_rate / reference.selection_rate,
  });
  const unprivileged = values.filter((g) => g !== privileged);
  return {
    privileged,
    ...gaps(ratesWhere((g) => g !== privileged)),
    groups: Object.fromEntries(values.map((g) => [g, g === privileged ? reference : ratesWhere((h) => h === g)])),
    by_group: Object.fromEntries(unprivileged.map((g) => [g, gaps(ratesWhere((h) => h === g))])),
  };
}
