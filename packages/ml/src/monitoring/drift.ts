import { binProportions, referenceSummary, snappedBins } from './reference-summary.ts';
import type { NumericReferenceSummary } from './reference-summary.ts';
import { kolmogorovSurvival, regularizedGammaQ } from './special-functions.ts';

/** PSI at or above this is drift (the usual credit-scoring rule: < 0.1 stable, 0.1–0.2 moderate). */
export const PSI_DRIFT_THRESHOLD = 0.2;
/** A KS (or chi-square) p-value below this is drift; strict because a monitor tests many inputs often. */
export const KS_DRIFT_P_VALUE = 0.01;
export const CHI_SQUARE_DRIFT_P_VALUE = 0.01;
/** Added to every bin share (then renormalised), so an empty bin costs a large but finite PSI term. */
export const PSI_EPSILON = 1e-4;

export interface PsiOptions {
  /** Raw reference values (binned here) or a stored summary (its bins are used as they are). */
  reference: readonly number[] | NumericReferenceSummary;
  current: readonly number[];
  /** Quantile bins when the reference is raw. Default 10. */
  bins?: number;
}

/** Population stability index Σ (c − r) · ln(c / r) over the reference's quantile bins. */
export function psi(options: PsiOptions): number {
  const { current } = options;
  if (current.length === 0) throw new Error('psi: no current values');
  checkFinite(current, 'psi');
  const reference = isSummary(options.reference)
    ? options.reference
    : referenceSummary(options.reference, { bins: options.bins ?? 10, sampleSize: 0 });
  const bins = snappedBins(reference);
  const r = smooth(bins.proportions);
  const c = smooth(binProportions(current, bins.edges));
  return r.reduce((sum, ri, k) => sum + (c[k]! - ri) * Math.log(c[k]! / ri), 0);
}

export interface KsResult {
  /** Largest gap between the two empirical CDFs, in [0, 1]. */
  statistic: number;
  /** Asymptotic, with Stephens' small-sample correction; conservative when values tie a lot. */
  pValue: number;
}

/** Two-sample Kolmogorov–Smirnov; a stored summary contributes its sample. */
export function ksStatistic(
  reference: readonly number[] | NumericReferenceSummary,
  current: readonly number[],
): KsResult {
  const a = [...(isSummary(reference) ? reference.sample : reference)].sort((x, y) => x - y);
  const b = [...current].sort((x, y) => x - y);
  if (a.length === 0 || b.length === 0) throw new Error('ksStatistic: both samples need values');
  checkFinite(a, 'ksStatistic');
  checkFinite(b, 'ksStatistic');
  let i = 0;
  let j = 0;
  let statistic = 0;
  while (i < a.length && j < b.length) {
    // Step past every copy of the smallest value in both samples, so ties never open a false gap.
    const x = Math.min(a[i]!, b[j]!);
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
    statistic = Math.max(statistic, Math.abs(i / a.length - j / b.length));
  }
  const en = Math.sqrt((a.length * b.length) / (a.length + b.length));
  return { statistic, pValue: kolmogorovSurvival((en + 0.12 + 0.11 / en) * statistic) };
}

export interface ChiSquareResult {
  statistic: number;
  /** Categories seen in either sample, minus one. */
  dof: number;
  pValue: number;
}

type Counts = Readonly<Record<string, number>> | readonly number[];

/**
 * Chi-square test of homogeneity on the 2 × k table (reference, current) × category, for a
 * categorical input. Counts are keyed by category (or aligned arrays); a category missing on one
 * side counts 0 there, one missing on both sides is not a category.
 */
export function chiSquare(referenceCounts: Counts, currentCounts: Counts): ChiSquareResult {
  const ref = new Map(Object.entries(referenceCounts));
  const cur = new Map(Object.entries(currentCounts));
  for (const n of [...ref.values(), ...cur.values()]) {
    if (!(Number.isFinite(n) && n >= 0)) throw new Error(`chiSquare: counts must be finite and >= 0, got ${n}`);
  }
  const categories = [...new Set([...ref.keys(), ...cur.keys()])].filter(
    (k) => (ref.get(k) ?? 0) + (cur.get(k) ?? 0) > 0,
  );
  const refTotal = categories.reduce((s, k) => s + (ref.get(k) ?? 0), 0);
  const curTotal = categories.reduce((s, k) => s + (cur.get(k) ?? 0), 0);
  if (refTotal === 0 || curTotal === 0) throw new Error('chiSquare: both samples need counts');
  const total = refTotal + curTotal;
  let statistic = 0;
  for (const k of categories) {
    const column = (ref.get(k) ?? 0) + (cur.get(k) ?? 0);
    for (const [observed, rowTotal] of [
      [ref.get(k) ?? 0, refTotal],
      [cur.get(k) ?? 0, curTotal],
    ] as const) {
      const expected = (rowTotal * column) / total;
      statistic += (observed - expected) ** 2 / expected;
    }
  }
  const dof = categories.length - 1;
  return { statistic, dof, pValue: dof === 0 ? 1 : regularizedGammaQ(dof / 2, statistic / 2) };
}

function isSummary(reference: readonly number[] | NumericReferenceSummary): reference is NumericReferenceSummary {
  return !Array.isArray(reference);
}

function smooth(proportions: readonly number[]): number[] {
  return proportions.map((p) => (p + PSI_EPSILON) / (1 + PSI_EPSILON * proportions.length));
}

function checkFinite(values: readonly number[], where: string): void {
  if (values.some((v) => !Number.isFinite(v))) throw new Error(`${where}: values must be finite numbers`);
}
