import { describe, expect, it } from 'vitest';
import { predictProba, sensorAnomalyFeatures, sigmoid, trainSensorAnomalyBaseline } from '@meridian/ml';
import type { LogisticExplainerSpec } from '@meridian/ml';
import { explainLogistic, explainShapley } from './explain.ts';
import type { ExplainedRow, ShapleyPredict } from './explain.ts';

const logit = (p: number) => Math.log(p / (1 - p));
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const attributions = (row: ExplainedRow) => row.features.map((f) => f.attribution);
const byName = (row: ExplainedRow) => Object.fromEntries(row.features.map((f) => [f.name, f.attribution]));

/** Wraps a per-row function as a batch predict and records every call's batch size. */
function batchPredict(f: (x: Record<string, number>) => number) {
  const calls: number[] = [];
  const predict: ShapleyPredict = async (batch) => {
    const names = Object.keys(batch);
    const size = batch[names[0]!]!.length;
    calls.push(size);
    return Array.from({ length: size }, (_, i) => f(Object.fromEntries(names.map((n) => [n, batch[n]![i]!]))));
  };
  return { predict, calls };
}

describe('explainLogistic', () => {
  const { model, metadata } = trainSensorAnomalyBaseline({ now: () => new Date(0) });
  const spec = metadata.explainer;
  // A normal reading, a borderline one and a hot, wet burst (scores ≈ 0.07, 0.33, 0.84).
  const readings = { humidity: [45.93, 49.26, 53.06], temperature: [27.97, 27.98, 28.11] };

  it('when explaining real sensor readings, then attributions sum to logit(output) − bias', () => {
    const { rows, baseline } = explainLogistic({ spec, inputs: readings });
    expect(rows).toHaveLength(3);
    expect(baseline).toEqual({
      kind: 'training-mean',
      values: { humidity: model.means[0], temperature: model.means[1], humidity_x_temperature: model.means[2] },
      output: sigmoid(model.bias),
      space: 'log-odds',
    });
    for (const row of rows) {
      expect(sum(attributions(row))).toBeCloseTo(logit(row.output) - logit(baseline.output), 9);
    }
  });

  it('when explaining real sensor readings, then output is what predictProba serves', () => {
    const { rows } = explainLogistic({ spec, inputs: readings });
    const served = predictProba(
      model,
      readings.humidity.map((h, i) => sensorAnomalyFeatures({ humidity: h, temperature: readings.temperature[i]! })),
    );
    rows.forEach((row, i) => {
      expect(row.output).toBeCloseTo(served[i]!, 9);
      expect(row.features.map((f) => f.name)).toEqual(['humidity', 'temperature', 'humidity_x_temperature']);
      expect(row.features[2]!.value).toBe(readings.humidity[i]! * readings.temperature[i]!);
    });
  });

  it('when the raw inputs sit at their means, then only the product (whose mean is not the product of means) is attributed', () => {
    const [mh, mt, mp] = model.means as [number, number, number];
    const [row] = explainLogistic({ spec, inputs: { humidity: [mh], temperature: [mt] } }).rows;
    const a = byName(row!);
    expect(a.humidity).toBeCloseTo(0, 12);
    expect(a.temperature).toBeCloseTo(0, 12);
    expect(a.humidity_x_temperature).toBeCloseTo(((mh * mt - mp) / model.stds[2]!) * model.weights[2]!, 12);
    expect(Math.abs(a.humidity_x_temperature!)).toBeGreaterThan(0.01);
  });

  it('when a model has no derived features and the reading equals the means, then every attribution is 0 and output is sigmoid(bias)', () => {
    const plain: LogisticExplainerSpec = {
      kind: 'logistic',
      output: 'p',
      products: {},
      model: { featureNames: ['a', 'b'], means: [3, -1], stds: [2, 0.5], weights: [1.5, -0.7], bias: 0.4 },
    };
    const [row] = explainLogistic({ spec: plain, inputs: { a: [3], b: [-1] } }).rows;
    expect(attributions(row!)).toEqual([0, -0]);
    expect(row!.output).toBe(sigmoid(0.4));
  });

  it('when an input is missing or rows disagree, then it throws naming the problem', () => {
    expect(() => explainLogistic({ spec, inputs: { humidity: [45] } })).toThrow(/missing inputs temperature/);
    expect(() => explainLogistic({ spec, inputs: { humidity: [45, 46], temperature: [27] } })).toThrow(/row count/);
    expect(() => explainLogistic({ spec, inputs: { ...readings, pressure: [1, 2, 3] } })).toThrow(
      /unexpected inputs pressure/,
    );
  });
});

describe('explainShapley', () => {
  const inputs = { a: [1, 4, -2], b: [2, 0.5, 3] };
  const baseline = { a: 0.5, b: -1 };

  it('when f is linear, then φ_j = w_j (x_j − baseline_j) exactly, in one predict call', async () => {
    const { predict, calls } = batchPredict(({ a, b }) => 2 * a! + 3 * b!);
    const result = await explainShapley({
      features: ['a', 'b'],
      inputs,
      baseline,
      predict,
      baselineKind: 'training-mean',
    });
    expect(calls).toEqual([3 * 4]);
    expect(result.baseline).toEqual({
      kind: 'training-mean',
      values: baseline,
      output: 2 * 0.5 + 3 * -1,
      space: 'probability',
      method: 'shapley-exact',
    });
    result.rows.forEach((row, i) => {
      expect(byName(row).a).toBeCloseTo(2 * (inputs.a[i]! - 0.5), 12);
      expect(byName(row).b).toBeCloseTo(3 * (inputs.b[i]! - -1), 12);
      expect(row.output).toBe(2 * inputs.a[i]! + 3 * inputs.b[i]!);
    });
  });

  it('when f = a·b, then each feature gets its main effect plus half the interaction', async () => {
    const { predict } = batchPredict(({ a, b }) => a! * b!);
    const { rows } = await explainShapley({ features: ['a', 'b'], inputs, baseline, predict });
    rows.forEach((row, i) => {
      const [da, db] = [inputs.a[i]! - baseline.a, inputs.b[i]! - baseline.b];
      const interaction = da * db;
      expect(byName(row).a).toBeCloseTo(baseline.b * da + interaction / 2, 12);
      expect(byName(row).b).toBeCloseTo(baseline.a * db + interaction / 2, 12);
    });
  });

  it('when f is nonlinear in 3 features, then φ sums to f(x) − f(baseline) and one call scores rows·2^n points', async () => {
    const f = ({ a, b, c }: Record<string, number>) => sigmoid(0.3 * a! - 0.8 * b! * c! + 0.5 * a! * a! * c! - 1);
    const { predict, calls } = batchPredict(f);
    const three = { a: [1, -2], b: [0.5, 2], c: [3, -1] };
    const base = { a: 0, b: 1, c: 0.5 };
    const result = await explainShapley({ features: ['a', 'b', 'c'], inputs: three, baseline: base, predict });
    expect(calls).toEqual([2 * 8]);
    expect(result.baseline.output).toBe(f(base));
    result.rows.forEach((row, i) => {
      const x = { a: three.a[i]!, b: three.b[i]!, c: three.c[i]! };
      expect(row.output).toBe(f(x));
      expect(sum(attributions(row))).toBeCloseTo(f(x) - f(base), 12);
      expect(attributions(row).every((v) => Math.abs(v) > 1e-6)).toBe(true);
    });
  });

  describe('with more than 10 features', () => {
    const names = Array.from({ length: 12 }, (_, j) => `f${j}`);
    const w = names.map((_, j) => j - 5.5);
    const wide = Object.fromEntries(names.map((n, j) => [n, [j * 0.7 - 3, 2 - j]]));
    const base = Object.fromEntries(names.map((n, j) => [n, j % 3]));

    it('when f is linear, then sampling recovers w_j (x_j − baseline_j) in one predict call', async () => {
      const { predict, calls } = batchPredict((x) => sum(names.map((n, j) => w[j]! * x[n]!)));
      const result = await explainShapley({ features: names, inputs: wide, baseline: base, predict, samples: 20 });
      expect(result.baseline.method).toBe('shapley-sampled');
      expect(calls).toEqual([1 + 2 * (1 + 20 * 11)]);
      result.rows.forEach((row, i) => {
        row.features.forEach((feat, j) =>
          expect(feat.attribution).toBeCloseTo(w[j]! * (wide[names[j]!]![i]! - base[names[j]!]!), 9),
        );
      });
    });

    it('when f is nonlinear, then the same seed gives the same answer and φ still sums to f(x) − f(baseline)', async () => {
      const f = (x: Record<string, number>) =>
        Math.tanh(sum(names.map((n, j) => w[j]! * x[n]! * x[names[(j + 1) % 12]!]!)) / 50);
      const run = (seed: number) =>
        explainShapley({
          features: names,
          inputs: wide,
          baseline: base,
          predict: batchPredict(f).predict,
          samples: 30,
          seed,
        });
      const [first, again, other] = await Promise.all([run(7), run(7), run(8)]);
      expect(again).toEqual(first);
      expect(other.rows[0]!.features).not.toEqual(first.rows[0]!.features);
      for (const row of first.rows) expect(sum(attributions(row))).toBeCloseTo(row.output - first.baseline.output, 12);
    });
  });

  it('when predict returns the wrong number of outputs, then it throws', async () => {
    const predict: ShapleyPredict = async () => [1];
    await expect(explainShapley({ features: ['a', 'b'], inputs, baseline, predict })).rejects.toThrow(
      /1 outputs for 12 rows/,
    );
  });
});
