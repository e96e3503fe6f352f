import { describe, expect, it } from 'vitest';
import { kolmogorovSurvival, logGamma, regularizedGammaQ } from './special-functions.ts';

describe('logGamma', () => {
  it('when given integers and one half, then it matches ln((n-1)!) and ln(√π)', () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(logGamma(101)).toBeCloseTo(363.73937555556347, 9);
  });
});

describe('regularizedGammaQ', () => {
  it('when a = 1, then Q is e^-x on both sides of the series / continued-fraction switch', () => {
    expect(regularizedGammaQ(1, 0.5)).toBeCloseTo(Math.exp(-0.5), 12);
    expect(regularizedGammaQ(1, 5)).toBeCloseTo(Math.exp(-5), 12);
    expect(regularizedGammaQ(3, 0)).toBe(1);
  });

  it('when a = 1/2, then Q(1/2, x) is erfc(√x), the chi-square(1) tail', () => {
    // erfc(√(25/6)) for the 1-dof statistic 25/3, from Python's math.erfc.
    expect(regularizedGammaQ(0.5, 25 / 6)).toBeCloseTo(0.003892417122778627, 12);
  });
});

describe('kolmogorovSurvival', () => {
  it('when λ is a tabulated critical value, then the tail is its significance level', () => {
    expect(kolmogorovSurvival(1.3581)).toBeCloseTo(0.05, 4);
    expect(kolmogorovSurvival(1.6276)).toBeCloseTo(0.01, 4);
    // K(1) = 0.7300 and K(0.8) = 0.4559 from the Kolmogorov table: the small-λ branch.
    expect(kolmogorovSurvival(1)).toBeCloseTo(0.27, 4);
    expect(kolmogorovSurvival(0.8)).toBeCloseTo(0.5441, 4);
  });

  it('when λ crosses the switch between the two series, then the value is continuous', () => {
    // The slope there is about −0.6, so a 1e-12 step may move Q by ~6e-13; a jump would be far larger.
    expect(kolmogorovSurvival(1.18 - 1e-12)).toBeCloseTo(kolmogorovSurvival(1.18), 11);
    expect(kolmogorovSurvival(0)).toBe(1);
    expect(kolmogorovSurvival(10)).toBeLessThan(1e-80);
  });
});
