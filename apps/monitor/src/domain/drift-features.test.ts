import { describe, expect, it } from 'vitest';
import { PSI_EPSILON, psi, referenceSummary, type NumericReferenceSummary } from '@meridian/ml';
import { driftFeatures, driftHistogram } from './drift-features.ts';

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** PSI from two histograms, smoothed as psi smooths its bins. */
const psiOf = (h: { training: number[]; live: number[] }) => {
  const smooth = (ps: number[]) => ps.map((p) => (p + PSI_EPSILON) / (1 + PSI_EPSILON * ps.length));
  const [r, c] = [smooth(h.training), smooth(h.live)];
  return r.reduce((s, ri, k) => s + (c[k]! - ri) * Math.log(c[k]! / ri), 0);
};

const training = Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 10 + i / 100);
const live = Array.from({ length: 300 }, (_, i) => Math.cos(i) * 12 + 3);

describe('driftHistogram', () => {
  it("when a window is compared with a reference, then training and live are shares over the reference's bins, each summing to 1, and give the PSI reported", () => {
    const ref = referenceSummary(training);
    const h = driftHistogram(ref, live)!;
    expect(h.edges).toEqual(ref.edges);
    expect(h.training).toEqual(ref.proportions);
    expect(h.live).toHaveLength(ref.edges.length + 1);
    expect(sum(h.training)).toBeCloseTo(1, 12);
    expect(sum(h.live)).toBeCloseTo(1, 12);
    // Counted by hand: bin k holds edges[k-1] < x <= edges[k].
    const inBin = (k: number) =>
      live.filter((x) => (k === 0 || x > h.edges[k - 1]!) && (k === h.edges.length || x <= h.edges[k]!)).length;
    expect(h.live).toEqual(h.edges.concat(0).map((_, k) => inBin(k) / live.length));
    expect(psiOf(h)).toBeCloseTo(psi({ reference: ref, current: live }), 12);
  });

  it('when a card holds edges a float-noise apart (stored before snapping), then the histogram shows the merged bins PSI judges on', () => {
    const ref: NumericReferenceSummary = {
      kind: 'numeric',
      count: 10,
      edges: [0.3, 0.30000000000000004, 0.7],
      proportions: [0.3, 0.1, 0.3, 0.3],
      sample: [0.1, 0.5, 0.9],
    };
    const h = driftHistogram(ref, [0.1, 0.3, 0.5, 0.9])!;
    expect(h.edges).toEqual([0.3, 0.7]);
    expect(h.training[0]).toBeCloseTo(0.4, 12);
    expect(h.training.slice(1)).toEqual([0.3, 0.3]);
    expect(h.live).toEqual([0.5, 0.25, 0.25]);
    expect(psiOf(h)).toBeCloseTo(psi({ reference: ref, current: [0.1, 0.3, 0.5, 0.9] }), 12);
  });

  it('when the reference has a single bin (a constant input), then there is no histogram', () => {
    expect(driftHistogram(referenceSummary([2, 2, 2]), [1, 2, 3])).toBeUndefined();
  });
});

describe('driftFeatures', () => {
  it('when a window has columns with and without a reference, then only referenced ones are judged, each with its histogram', () => {
    const ref = referenceSummary(training);
    const features = driftFeatures({
      window: {
        version: '1',
        rows: 300,
        ids: [],
        columns: { x: { kind: 'input', values: live }, unreferenced: { kind: 'input', values: [1] } },
      },
      spec: { reference: { x: ref } },
      windowSize: 300,
      thresholds: { psi: 0.2, ks_p_value: 0.01 },
    });
    expect(features).toEqual([
      expect.objectContaining({
        name: 'x',
        rows: 300,
        provisional: false,
        drifted: true,
        histogram: driftHistogram(ref, live),
      }),
    ]);
  });
});
