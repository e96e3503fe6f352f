import type { DriftHistogram, DriftHistory, DriftReport } from '@meridian/contracts';

/** One input's statistics and verdict in one window. */
export interface DriftPointFeature {
  psi: number;
  ks: number;
  ks_p_value: number;
  drifted: boolean;
  /** Fewer rows than the window size: a hint, no alert came from it. */
  provisional: boolean;
}

/** One window of a version, as the drift charts and the per-window table show it. */
export interface DriftPoint {
  index: number;
  /** When the monitor closed it (ISO 8601); undefined for the open window. */
  closedAt?: string;
  /** The window still filling, taken from the drift report: its verdicts are provisional. */
  open: boolean;
  rows: number;
  /** Some input with a full window drifted (a closed window then raised an alert). */
  drifted: boolean;
  features: Record<string, DriftPointFeature>;
}

const featuresOf = (
  features: readonly (Omit<DriftPointFeature, 'provisional'> & { name: string; provisional?: boolean })[],
): Record<string, DriftPointFeature> =>
  Object.fromEntries(
    features.map((f) => [
      f.name,
      { psi: f.psi, ks: f.ks, ks_p_value: f.ks_p_value, drifted: f.drifted, provisional: f.provisional ?? false },
    ]),
  );

/**
 * The closed windows the monitor keeps (oldest first), then the report's current window when
 * the history does not hold it yet. A history of another version than the report's is stale
 * (the page moved on to another version) and left out.
 */
export function driftPoints(o: { history?: DriftHistory; report?: DriftReport }): DriftPoint[] {
  const { history, report } = o;
  const windows = history && (!report || history.version === report.version) ? history.windows : [];
  const points: DriftPoint[] = windows.map((w) => ({
    index: w.index,
    closedAt: w.closed_at,
    open: false,
    rows: w.rows,
    drifted: w.drifted,
    features: featuresOf(w.features),
  }));
  const last = points[points.length - 1];
  if (report && report.features.length > 0 && (!last || report.window.index > last.index))
    points.push({
      index: report.window.index,
      open: true,
      rows: report.window.rows,
      drifted: report.drifted,
      features: featuresOf(report.features),
    });
  return points;
}

/** Every input named in some window, in the order they first appear (so each keeps its colour). */
export function driftFeatureNames(points: readonly DriftPoint[]): string[] {
  return [...new Set(points.flatMap((p) => Object.keys(p.features)))];
}

/** Columns for a uPlot line chart: window index, one series per input, then the threshold as a flat line. */
export function driftColumns(o: {
  points: readonly DriftPoint[];
  features: readonly string[];
  metric: 'psi' | 'ks' | 'ks_p_value';
  threshold: number;
}): (number | null)[][] {
  const { points, features, metric, threshold } = o;
  return [
    points.map((p) => p.index),
    ...features.map((f) => points.map((p) => p.features[f]?.[metric] ?? null)),
    points.map(() => threshold),
  ];
}

/** One bin of a training-vs-live histogram, with a readable range. */
export interface HistogramBin {
  label: string;
  training: number;
  live: number;
}

const fmtEdge = (n: number): string =>
  Math.abs(n) >= 1000
    ? n.toLocaleString('en', { maximumFractionDigits: 0 })
    : n.toLocaleString('en', { maximumSignificantDigits: 3 });

/**
 * The bins of a histogram: `edges` are the interior cut points, so there is one bin more than
 * edges; bin k holds edges[k-1] < x <= edges[k] and the outer bins are open.
 */
export function histogramBins(h: DriftHistogram): HistogramBin[] {
  const { edges } = h;
  return Array.from({ length: edges.length + 1 }, (_, k) => {
    const lo = edges[k - 1];
    const hi = edges[k];
    const label =
      lo === undefined
        ? `≤ ${fmtEdge(hi ?? 0)}`
        : hi === undefined
          ? `> ${fmtEdge(lo)}`
          : `${fmtEdge(lo)} – ${fmtEdge(hi)}`;
    return { label, training: h.training[k] ?? 0, live: h.live[k] ?? 0 };
  });
}

/** The bin where live traffic departs most from training; undefined without bins. */
export function largestDifference(bins: readonly HistogramBin[]): HistogramBin | undefined {
  let best: HistogramBin | undefined;
  for (const bin of bins)
    if (!best || Math.abs(bin.live - bin.training) > Math.abs(best.live - best.training)) best = bin;
  return best;
}

const pct = (share: number) => `${(share * 100).toFixed(1)} %`;

/** What the histogram image says to assistive technology: its subject and its largest difference. */
export function histogramSummary(o: { feature: string; window: number; bins: readonly HistogramBin[] }): string {
  const head = `Training vs live distribution of ${o.feature} in window ${o.window}`;
  const bin = largestDifference(o.bins);
  if (!bin) return `${head}: no bins.`;
  const points = (Math.abs(bin.live - bin.training) * 100).toFixed(1);
  const direction = bin.live >= bin.training ? 'higher' : 'lower';
  return `${head}: ${o.bins.length} bins; the largest difference is in bin ${bin.label}, training ${pct(bin.training)}, live ${pct(bin.live)} (live ${points} points ${direction}).`;
}
