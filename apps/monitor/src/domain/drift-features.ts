import type { DriftFeature, DriftHistogram } from '@meridian/contracts';
import { binProportions, ksStatistic, psi, snappedBins, type NumericReferenceSummary } from '@meridian/ml';
import type { DriftSpec } from './drift-spec.ts';
import type { DriftWindow } from './drift-window.ts';

export interface DriftThresholds {
  psi: number;
  ks_p_value: number;
}

/**
 * Each column of the window with at least one row, against its training reference: PSI on the
 * reference's bins, KS against its sample, and the two distributions on those bins for drawing.
 */
export function driftFeatures(o: {
  window: DriftWindow;
  spec: DriftSpec;
  windowSize: number;
  thresholds: DriftThresholds;
}): DriftFeature[] {
  const { window, spec, windowSize, thresholds } = o;
  return Object.entries(window.columns).flatMap(([name, column]) => {
    const ref = spec.reference[name];
    if (!ref || !column.values.length) return [];
    const p = psi({ reference: ref, current: column.values });
    const ks = ksStatistic(ref, column.values);
    const histogram = driftHistogram(ref, column.values);
    return [
      {
        name,
        kind: column.kind,
        rows: column.values.length,
        provisional: column.values.length < windowSize,
        psi: p,
        ks: ks.statistic,
        ks_p_value: ks.pValue,
        drifted: p >= thresholds.psi || ks.pValue < thresholds.ks_p_value,
        ...(histogram ? { histogram } : {}),
      },
    ];
  });
}

/**
 * Training and live shares on the bins PSI compares (snapped as psi snaps them, so a card stored
 * before snapping shows the bins it is judged on); undefined for a reference of a single bin,
 * where there is nothing to compare.
 */
export function driftHistogram(ref: NumericReferenceSummary, values: readonly number[]): DriftHistogram | undefined {
  const bins = snappedBins(ref);
  if (!bins.edges.length || !values.length) return undefined;
  return { edges: bins.edges, training: bins.proportions, live: binProportions(values, bins.edges) };
}
