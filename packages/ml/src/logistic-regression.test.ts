import { describe, expect, it } from 'vitest';
import { fitLogisticRegression, predictProba, sigmoid } from './logistic-regression.ts';
import { mulberry32 } from './split.ts';

/** Noisy linear data: y = 1 when 2·a − 3·b + noise > 0.5, with a, b on different scales. */
function synthetic(n: number, seed: number): { x: number[][]; y: number[] } {
  const random = mulberry32(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = random() * 10;
    const b = 100 + random() * 5;
    x.push([a, b]);
    y.push(2 * a - 3 * (b - 100) + (random() - 0.5) * 4 > 2.5 ? 1 : 0);
  }
  return { x, y };
}

describe('fitLogisticRegression', () => {
  it('when the label rises with one feature and falls with the other, then the weights have those signs', () => {
    const { x, y } = synthetic(2000, 11);
    const model = fitLogisticRegression({ x, y, featureNames: ['a', 'b'] });
    expect(model.weights[0]).toBeGreaterThan(0);
    expect(model.weights[1]).toBeLessThan(0);
    expect(model.means[0]).toBeCloseTo(5, 0);
    expect(model.means[1]).toBeCloseTo(102.5, 0);
  });

  it('when predicting, then every probability is in [0, 1] and the ranking separates the classes', () => {
    const { x, y } = synthetic(2000, 12);
    const model = fitLogisticRegression({ x, y, featureNames: ['a', 'b'] });
    const p = predictProba(model, x);
    expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
    const meanWhere = (label: number): number =>
      p.filter((_, i) => y[i] === label).reduce((s, v) => s + v, 0) / y.filter((v) => v === label).length;
    expect(meanWhere(1) - meanWhere(0)).toBeGreaterThan(0.5);
  });

  it("when the only feature is binary and unpenalised, then predictions equal each group's positive rate", () => {
    // x = 0: 1 of 4 positive; x = 1: 3 of 4 positive. The MLE reproduces those rates exactly.
    const x = [[0], [0], [0], [0], [1], [1], [1], [1]];
    const y = [1, 0, 0, 0, 1, 1, 1, 0];
    const model = fitLogisticRegression({ x, y, featureNames: ['flag'], l2: 0 });
    const [p0, p1] = predictProba(model, [[0], [1]]);
    expect(p0).toBeCloseTo(0.25, 9);
    expect(p1).toBeCloseTo(0.75, 9);
  });

  it('when classes are balanced by weight, then the rare class gets higher probabilities than unweighted', () => {
    const { x, y } = synthetic(2000, 13);
    const rare = y.map((v, i) => (v === 1 && i % 8 !== 0 ? 0 : v));
    const plain = fitLogisticRegression({ x, y: rare, featureNames: ['a', 'b'] });
    const balanced = fitLogisticRegression({ x, y: rare, featureNames: ['a', 'b'], classWeight: 'balanced' });
    const mean = (xs: number[]): number => xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(mean(predictProba(balanced, x))).toBeGreaterThan(mean(predictProba(plain, x)) + 0.1);
  });

  it('when fitted twice on the same data, then the models are identical', () => {
    const { x, y } = synthetic(500, 14);
    const options = { x, y, featureNames: ['a', 'b'], classWeight: 'balanced' as const };
    expect(fitLogisticRegression(options)).toEqual(fitLogisticRegression(options));
  });

  it('when labels are not 0/1 or rows are ragged, then it throws', () => {
    expect(() => fitLogisticRegression({ x: [[1], [2]], y: [0, 2], featureNames: ['a'] })).toThrow(/0 or 1/);
    expect(() => fitLogisticRegression({ x: [[1], [2, 3]], y: [0, 1], featureNames: ['a'] })).toThrow(/1 finite/);
  });
});

describe('predictProba', () => {
  it('when the row width differs from the model, then it throws', () => {
    const model = { featureNames: ['a'], means: [0], stds: [1], weights: [1], bias: 0 };
    expect(() => predictProba(model, [[1, 2]])).toThrow(/expected 1 features/);
  });

  it('when standardised inputs are hand-computed, then the probability matches', () => {
    const model = { featureNames: ['a', 'b'], means: [1, 2], stds: [2, 4], weights: [0.5, -1], bias: 0.25 };
    // ((3-1)/2)*0.5 + ((10-2)/4)*-1 + 0.25 = -1.25
    expect(predictProba(model, [[3, 10]])[0]).toBeCloseTo(1 / (1 + Math.exp(1.25)), 15);
  });
});

describe('sigmoid', () => {
  it('when z is very negative or positive, then it saturates without NaN', () => {
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(0)).toBe(0.5);
  });
});
