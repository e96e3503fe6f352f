import { describe, expect, it } from 'vitest';
import { loadSensorReadings } from '../sensor/sensor-data.ts';
import { stratifiedSplit } from '../split.ts';
import { KS_DRIFT_P_VALUE, PSI_DRIFT_THRESHOLD, PSI_EPSILON, chiSquare, ksStatistic, psi } from './drift.ts';
import { kolmogorovSurvival } from './special-functions.ts';
import { referenceSummary, snappedBins } from './reference-summary.ts';

const oneToTen = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

describe('psi', () => {
  it('when the current sample fills the quintiles of 1..10 as 50/20/10/10/10 %, then PSI is the hand sum', () => {
    const current = [1, 1, 1, 1, 1, 3, 3, 5, 7, 9];
    // Unsmoothed: 0.3·ln(2.5) + 0 + 3 · (−0.1)·ln(0.5) = 0.482831. Smoothed, shares become
    // (p + 1e-4) / 1.0005: 0.29985·ln(2.49925) + 3 · (−0.09995)·ln(0.50025) = 0.482350.
    const value = psi({ reference: oneToTen, current, bins: 5 });
    expect(value).toBeCloseTo(0.48235, 5);
    expect(Math.abs(value - 0.482831)).toBeLessThan(1e-3);
  });

  it('when a current bin is empty, then the smoothed shares keep PSI finite and equal to the formula', () => {
    const current = new Array<number>(10).fill(1);
    const k = 5;
    const r = (0.2 + PSI_EPSILON) / (1 + k * PSI_EPSILON);
    const full = (1 + PSI_EPSILON) / (1 + k * PSI_EPSILON);
    const empty = PSI_EPSILON / (1 + k * PSI_EPSILON);
    const expected = (full - r) * Math.log(full / r) + 4 * (empty - r) * Math.log(empty / r);
    expect(psi({ reference: oneToTen, current, bins: k })).toBeCloseTo(expected, 12);
    expect(expected).toBeGreaterThan(7);
  });

  it('when the reference is a stored summary, then PSI equals the one from the raw reference', () => {
    const current = [2.5, 3.5, 9.5, 11, -4];
    const summary = JSON.parse(JSON.stringify(referenceSummary(oneToTen, { bins: 5 })));
    expect(psi({ reference: summary, current })).toBe(psi({ reference: oneToTen, current, bins: 5 }));
  });

  it('when current is distributed like the reference, then PSI is 0', () => {
    expect(psi({ reference: oneToTen, current: [...oneToTen].reverse(), bins: 5 })).toBeCloseTo(0, 12);
  });
});

describe('ksStatistic', () => {
  it('when the samples overlap by half, then D is 0.5 and p is the Kolmogorov tail at Stephens λ', () => {
    const { statistic, pValue } = ksStatistic([1, 2, 3, 4], [3, 4, 5, 6]);
    expect(statistic).toBe(0.5);
    const en = Math.sqrt(2);
    expect(pValue).toBeCloseTo(kolmogorovSurvival((en + 0.12 + 0.11 / en) * 0.5), 12);
    expect(pValue).toBeGreaterThan(0.5);
  });

  it('when samples are equal with ties, then D is 0; when disjoint, then D is 1', () => {
    expect(ksStatistic([1, 1, 2, 2], [2, 1, 2, 1])).toEqual({ statistic: 0, pValue: 1 });
    expect(ksStatistic([1, 2], [3, 4]).statistic).toBe(1);
    expect(ksStatistic([0, 0, 0, 1], [0, 1, 1, 1]).statistic).toBe(0.5);
  });

  it('when the reference is a summary, then its sample is used', () => {
    const summary = referenceSummary(oneToTen, { sampleSize: 500 });
    expect(ksStatistic(summary, [3, 4, 5, 6])).toEqual(ksStatistic(oneToTen, [3, 4, 5, 6]));
  });
});

describe('chiSquare', () => {
  it('when 50/50 becomes 30/70, then χ² = 25/3 on 1 dof and p = erfc(√(25/6))', () => {
    const result = chiSquare({ a: 50, b: 50 }, { a: 30, b: 70 });
    expect(result.statistic).toBeCloseTo(25 / 3, 12);
    expect(result.dof).toBe(1);
    expect(result.pValue).toBeCloseTo(0.003892417122778627, 10);
    expect(chiSquare([50, 50], [30, 70])).toEqual(result);
  });

  it('when three categories shift, then χ² = 40/3 on 2 dof and p = e^(−χ²/2)', () => {
    const result = chiSquare({ a: 10, b: 10, c: 10 }, { a: 20, b: 10, c: 0 });
    expect(result.statistic).toBeCloseTo(40 / 3, 12);
    expect(result.dof).toBe(2);
    expect(result.pValue).toBeCloseTo(Math.exp(-20 / 3), 12);
  });

  it('when a category is new in current or absent from both, then it counts or is dropped', () => {
    expect(chiSquare({ a: 10 }, { a: 5, b: 5 }).statistic).toBeCloseTo(20 / 3, 12);
    expect(chiSquare({ a: 10, z: 0 }, { a: 5, b: 5, z: 0 }).dof).toBe(1);
    expect(chiSquare({ a: 3 }, { a: 9 })).toEqual({ statistic: 0, dof: 0, pValue: 1 });
    expect(() => chiSquare({ a: -1 }, { a: 1 })).toThrow(/counts/);
  });
});

// The multi-hop companion dataset is not published on npm (404), so "current" is either a
// real different population of the single-hop data (outdoor motes) or a deterministic shift.
describe('drift on the Suthaharan single-hop sensor data', () => {
  const rows = loadSensorReadings();
  const { train, test } = stratifiedSplit(rows, { seed: 42, testFraction: 0.25, label: (r) => r.label });
  const column = (set: typeof rows, f: 'humidity' | 'temperature'): number[] => set.map((r) => r[f]);

  it('when the held-out split is compared with the training split, then neither input drifts', () => {
    for (const f of ['humidity', 'temperature'] as const) {
      const reference = referenceSummary(column(train, f));
      expect(psi({ reference, current: column(test, f) })).toBeLessThan(0.01);
      expect(ksStatistic(reference, column(test, f)).pValue).toBeGreaterThan(KS_DRIFT_P_VALUE);
    }
  });

  it('when indoor motes are the reference and outdoor motes the current, then both inputs drift', () => {
    const indoor = rows.filter((r) => r.moteId <= 2);
    const outdoor = rows.filter((r) => r.moteId > 2);
    for (const f of ['humidity', 'temperature'] as const) {
      const reference = referenceSummary(column(indoor, f));
      expect(psi({ reference, current: column(outdoor, f) })).toBeGreaterThan(PSI_DRIFT_THRESHOLD);
      expect(ksStatistic(reference, column(outdoor, f)).pValue).toBeLessThan(KS_DRIFT_P_VALUE);
    }
  });

  it('when temperature reads 1 °C high, then temperature drifts and humidity does not', () => {
    const shifted = test.map((r) => ({ ...r, temperature: r.temperature + 1 }));
    const temperature = referenceSummary(column(train, 'temperature'));
    const humidity = referenceSummary(column(train, 'humidity'));
    expect(psi({ reference: temperature, current: column(shifted, 'temperature') })).toBeGreaterThan(
      PSI_DRIFT_THRESHOLD,
    );
    expect(ksStatistic(temperature, column(shifted, 'temperature')).pValue).toBeLessThan(KS_DRIFT_P_VALUE);
    expect(psi({ reference: humidity, current: column(shifted, 'humidity') })).toBeLessThan(PSI_DRIFT_THRESHOLD);
  });
});

describe('psi on values with float noise', () => {
  it('when deltas of two-decimal readings differ only by float noise, then no bin splits them and PSI stays near zero', () => {
    // Each delta is 0.01, -0.01 or 0 in decimal; as floats they differ by ~1e-15 depending on the pair.
    const deltas = (from: number) =>
      Array.from({ length: 600 }, (_, i) => {
        const a = from + (i % 37) * 0.37;
        const step = [0.01, -0.01, 0, 0.02][i % 4]!;
        return Number((a + step).toFixed(2)) - Number(a.toFixed(2));
      });
    const reference = referenceSummary(deltas(20), { bins: 10 });
    expect(psi({ reference, current: deltas(26) })).toBeLessThan(0.05);
    // A card summarised before snapping (edges a few 1e-15 apart): the empty bin between twins joins the one its values fall in.
    expect(
      snappedBins({ edges: [-0.010000000000001563, -0.00999999999999801, 0], proportions: [0.2, 0.1, 0.3, 0.4] }),
    ).toMatchObject({ edges: [-0.01, 0] });
    expect(
      snappedBins({
        edges: [-0.010000000000001563, -0.00999999999999801, 0],
        proportions: [0.2, 0.1, 0.3, 0.4],
      }).proportions.map((p) => Math.round(p * 10) / 10),
    ).toEqual([0.3, 0.3, 0.4]);
  });
});
