import { mulberry32 } from '@meridian/ml';
import { countRows } from './explain-linear.ts';
import type { Explanation, ExplanationInputs, ShapleyBaseline } from './explain.ts';

/** Scores a batch (columns by input name, equal lengths); one output per batch row. */
export type ShapleyPredict = (batch: Record<string, number[]>) => Promise<ArrayLike<number>>;

/** 2^10 = 1024 coalitions per row is still one cheap batch; beyond that we sample. */
export const EXACT_SHAPLEY_MAX_FEATURES = 10;

export interface ExplainShapleyOptions {
  /** The model's input names, in the order attributions are reported. */
  features: readonly string[];
  inputs: ExplanationInputs;
  /** Value each feature takes when it is "absent" from a coalition. */
  baseline: Readonly<Record<string, number>>;
  predict: ShapleyPredict;
  /** Permutations when sampling (more than EXACT_SHAPLEY_MAX_FEATURES features). */
  samples?: number;
  /** PRNG seed for the permutations, so the same request gets the same answer. */
  seed?: number;
  /** Reported as baseline.kind; the caller knows where its baseline came from. */
  baselineKind?: ShapleyBaseline['kind'];
}

/**
 * Model-agnostic Shapley values, in the model's output space, with v(S) = f(x with the
 * features outside S set to the baseline). They add up to f(x) − f(baseline) in both modes:
 * exactly by construction in exact mode, and per permutation (the marginals telescope) when
 * sampling. Every point is scored in a single predict call, because a runtime call per
 * coalition would dominate the cost.
 */
export async function explainShapley(options: ExplainShapleyOptions): Promise<Explanation<ShapleyBaseline>> {
  const { features, inputs, baseline, predict, samples = 256, seed = 0, baselineKind = 'given' } = options;
  const n = features.length;
  if (n === 0) throw new Error('explainShapley: need at least one feature');
  if (new Set(features).size !== n) throw new Error('explainShapley: feature names must be unique');
  const rows = countRows({ inputs, names: features, caller: 'explainShapley' });
  const badBaseline = features.find((f) => !Number.isFinite(baseline[f]));
  if (badBaseline !== undefined) throw new Error(`explainShapley: baseline needs a finite value for ${badBaseline}`);
  if (!Number.isInteger(samples) || samples < 1)
    throw new Error(`explainShapley: samples must be a positive integer, got ${samples}`);

  const x = Array.from({ length: rows }, (_, r) => features.map((f) => inputs[f]![r]!));
  const b = features.map((f) => baseline[f]!);
  const exact = n <= EXACT_SHAPLEY_MAX_FEATURES;
  const { phi, outputs, baselineOutput } = exact
    ? await exactShapley({ x, b, score: (points) => score({ features, points, predict }) })
    : await sampledShapley({
        x,
        b,
        score: (points) => score({ features, points, predict }),
        permutations: permutations(n, samples, seed),
      });

  return {
    baseline: {
      kind: baselineKind,
      values: Object.fromEntries(features.map((f, j) => [f, b[j]!])),
      output: baselineOutput,
      space: 'probability',
      method: exact ? 'shapley-exact' : 'shapley-sampled',
    },
    rows: x.map((row, r) => ({
      output: outputs[r]!,
      features: features.map((name, j) => ({ name, value: row[j]!, attribution: phi[r]![j]! })),
    })),
  };
}

interface ShapleyResult {
  /** phi[row][feature]. */
  phi: number[][];
  /** f(x) per row. */
  outputs: number[];
  baselineOutput: number;
}

interface ModeOptions {
  x: number[][];
  b: number[];
  score: (points: number[][]) => Promise<ArrayLike<number>>;
}

/** Enumerates all 2^n coalitions per row; bit j of the mask set means feature j comes from x. */
async function exactShapley({ x, b, score }: ModeOptions): Promise<ShapleyResult> {
  const n = b.length;
  const size = 2 ** n;
  const points = x.flatMap((row) =>
    Array.from({ length: size }, (_, mask) => row.map((v, j) => (mask & (1 << j) ? v : b[j]!))),
  );
  const v = await score(points);
  // |S|!(n-|S|-1)!/n! = 1 / (n · C(n-1, |S|)), built up by ratio so no factorial overflows.
  const weight = [1 / n];
  for (let s = 0; s < n - 1; s++) weight.push((weight[s]! * (s + 1)) / (n - 1 - s));
  const popcount = Array.from({ length: size }, (_, mask) => mask.toString(2).replaceAll('0', '').length);
  const phi = x.map((_, r) => {
    const at = (mask: number) => v[r * size + mask]!;
    return b.map((__, j) => {
      const bit = 1 << j;
      let sum = 0;
      for (let mask = 0; mask < size; mask++) {
        if (!(mask & bit)) sum += weight[popcount[mask]!]! * (at(mask | bit) - at(mask));
      }
      return sum;
    });
  });
  return { phi, outputs: x.map((_, r) => v[r * size + size - 1]!), baselineOutput: v[0]! };
}

/**
 * Averages marginal contributions along sampled orderings. Batch layout: the baseline once, then
 * per row x itself and, per permutation, the n−1 coalitions strictly between ∅ and all features.
 */
async function sampledShapley({
  x,
  b,
  score,
  permutations: perms,
}: ModeOptions & { permutations: number[][] }): Promise<ShapleyResult> {
  const n = b.length;
  const points: number[][] = [b];
  for (const row of x) {
    points.push(row);
    for (const perm of perms) {
      const current = [...b];
      for (let k = 0; k < n - 1; k++) {
        current[perm[k]!] = row[perm[k]!]!;
        points.push([...current]);
      }
    }
  }
  const v = await score(points);
  const perRow = 1 + perms.length * (n - 1);
  const phi = x.map((_, r) => {
    const start = 1 + r * perRow;
    const sums = new Array<number>(n).fill(0);
    perms.forEach((perm, p) => {
      let previous = v[0]!;
      perm.forEach((j, k) => {
        const next = k < n - 1 ? v[start + 1 + p * (n - 1) + k]! : v[start]!;
        sums[j]! += next - previous;
        previous = next;
      });
    });
    return sums.map((s) => s / perms.length);
  });
  return { phi, outputs: x.map((_, r) => v[1 + r * perRow]!), baselineOutput: v[0]! };
}

function permutations(n: number, count: number, seed: number): number[][] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, () => {
    const perm = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const k = Math.floor(random() * (i + 1));
      [perm[i], perm[k]] = [perm[k]!, perm[i]!];
    }
    return perm;
  });
}

/** Turns points (rows of feature values) into one predict batch and checks what comes back. */
async function score(options: {
  features: readonly string[];
  points: number[][];
  predict: ShapleyPredict;
}): Promise<ArrayLike<number>> {
  const { features, points, predict } = options;
  const batch = Object.fromEntries(features.map((f, j) => [f, points.map((p) => p[j]!)]));
  const out = await predict(batch);
  if (out.length !== points.length)
    throw new Error(`explainShapley: predict returned ${out.length} outputs for ${points.length} rows`);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) throw new Error(`explainShapley: predict returned a non-finite output at row ${i}`);
  }
  return out;
}
