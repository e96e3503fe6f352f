export interface FeatureMoments {
  means: number[];
  stds: number[];
}

/** Per-column mean and population standard deviation. */
export function featureMoments(x: readonly (readonly number[])[]): FeatureMoments {
  const width = x[0]?.length ?? 0;
  const means = new Array<number>(width).fill(0);
  for (const row of x) row.forEach((v, j) => (means[j]! += v / x.length));
  const variances = new Array<number>(width).fill(0);
  for (const row of x) row.forEach((v, j) => (variances[j]! += (v - means[j]!) ** 2 / x.length));
  // A constant column would divide by zero; scaling it by 1 leaves it harmless (and its weight ~0 under L2).
  const stds = variances.map((v) => (v > 0 ? Math.sqrt(v) : 1));
  return { means, stds };
}

export function standardizeRow(row: readonly number[], means: readonly number[], stds: readonly number[]): number[] {
  return row.map((v, j) => (v - means[j]!) / stds[j]!);
}
