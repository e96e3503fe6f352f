import { mulberry32 } from '../split.ts';

/**
 * What a model version stores about one numeric input at training time, so serving-time drift
 * (PSI on the bins, KS on the sample) needs neither the training data nor a second pass over it.
 */
export interface NumericReferenceSummary {
  kind: 'numeric';
  /** Reference rows summarised. */
  count: number;
  /** Ascending interior cut points; bin k holds edges[k-1] < x <= edges[k], the outer bins are open. */
  edges: number[];
  /** Share of reference rows per bin (edges.length + 1 entries, summing to 1). */
  proportions: number[];
  /** A seeded uniform sample of the reference values, sorted, for KS. */
  sample: number[];
  /**
   * Which rows the summary describes, and so which serving rows it is compared with. Absent:
   * every row. 'full-window': only rows whose sensor window was full (a mote's first `window`
   * readings are left out), for values computed from the window (SensorWindowSpec).
   */
  population?: ReferencePopulation;
}

export type ReferencePopulation = 'full-window';

export interface ReferenceSummaryOptions {
  /** Quantile bins wanted; tied quantiles merge, so a 0/1 input ends up with 2. Default 10. */
  bins?: number;
  /** Sample size kept for KS. Default 500. */
  sampleSize?: number;
  /** Seed of the sample, fixed so the same data always gives the same summary. Default 42. */
  seed?: number;
  /** Recorded in the summary (see NumericReferenceSummary.population). */
  population?: ReferencePopulation;
}

export const DEFAULT_REFERENCE_BINS = 10;

/**
 * A value to 12 significant digits, for binning. Values computed from readings (a delta of two
 * temperatures) carry float noise: 27.26 − 27.25 and 26.01 − 26.00 are 0.01 ± 1e-15, and quantile
 * edges between such twins made bins a few 1e-15 wide that the same data filled differently
 * depending on which pairs it held (PSI 1.6 on data KS found identical, p = 1).
 */
export const snap = (v: number): number => Number(v.toPrecision(12));

/**
 * The bins with edges snapped (see snap) and bins that snapping leaves empty merged into the bin
 * their values now fall in: cards stored before snapping compare as if summarised with it.
 */
export function snappedBins(s: Pick<NumericReferenceSummary, 'edges' | 'proportions'>): {
  edges: number[];
  proportions: number[];
} {
  const edges: number[] = [];
  const proportions: number[] = [s.proportions[0] ?? 0];
  s.edges.forEach((raw, k) => {
    const edge = snap(raw);
    const share = s.proportions[k + 1] ?? 0;
    if (edges.length && edge <= edges[edges.length - 1]!) {
      // The bin between the twins has no width left; what it held now falls at or below the lower twin.
      proportions[proportions.length - 2]! += proportions[proportions.length - 1]!;
      proportions[proportions.length - 1] = share;
    } else {
      edges.push(edge);
      proportions.push(share);
    }
  });
  return { edges, proportions };
}
export const DEFAULT_REFERENCE_SAMPLE_SIZE = 500;

export function referenceSummary(
  values: readonly number[],
  options: ReferenceSummaryOptions = {},
): NumericReferenceSummary {
  const { bins = DEFAULT_REFERENCE_BINS, sampleSize = DEFAULT_REFERENCE_SAMPLE_SIZE, seed = 42, population } = options;
  if (values.length === 0) throw new Error('referenceSummary: no values');
  if (!Number.isInteger(bins) || bins < 1)
    throw new RangeError(`referenceSummary: bins must be a positive integer, got ${bins}`);
  checkFinite(values, 'referenceSummary');
  const sorted = values.map(snap).sort((a, b) => a - b);
  const max = sorted[sorted.length - 1]!;
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    // Lower k/bins quantile. An edge equal to the maximum would leave the top bin empty in the
    // reference, and every later value above it would then look like drift from nothing.
    const edge = sorted[Math.ceil((k * sorted.length) / bins) - 1]!;
    if (edge < max && edge !== edges[edges.length - 1]) edges.push(edge);
  }
  return {
    kind: 'numeric',
    count: values.length,
    edges,
    proportions: binProportions(sorted, edges),
    sample: reservoirSample(values, { size: sampleSize, seed }).sort((a, b) => a - b),
    ...(population ? { population } : {}),
  };
}

/** One reference summary per named input column, e.g. a model card's training inputs. */
export function inputReferences(
  columns: Readonly<Record<string, readonly number[]>>,
  options: ReferenceSummaryOptions = {},
): Record<string, NumericReferenceSummary> {
  return Object.fromEntries(Object.entries(columns).map(([name, values]) => [name, referenceSummary(values, options)]));
}

/** Share of values in each bin of `edges` (see NumericReferenceSummary.edges), each value snapped first. */
export function binProportions(values: readonly number[], edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of values) counts[binIndex(snap(v), edges)]!++;
  return counts.map((c) => c / values.length);
}

/** Index of the first edge >= value (binary search), i.e. the bin the value falls in. */
function binIndex(value: number, edges: readonly number[]): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! >= value) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Algorithm R with a seeded generator: a uniform sample of fixed size, the same on every run. */
export function reservoirSample(values: readonly number[], options: { size: number; seed: number }): number[] {
  const { size, seed } = options;
  if (size <= 0) return [];
  if (values.length <= size) return [...values];
  const random = mulberry32(seed);
  const reservoir = values.slice(0, size);
  for (let i = size; i < values.length; i++) {
    const j = Math.floor(random() * (i + 1));
    if (j < size) reservoir[j] = values[i]!;
  }
  return reservoir;
}

function checkFinite(values: readonly number[], where: string): void {
  if (values.some((v) => !Number.isFinite(v))) throw new Error(`${where}: values must be finite numbers`);
}
