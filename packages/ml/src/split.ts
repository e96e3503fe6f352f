export interface StratifiedSplitOptions<T> {
  /** Fraction of each class that goes to the test set, in (0, 1). */
  testFraction: number;
  seed: number;
  label: (row: T) => 0 | 1;
}

export interface Split<T> {
  train: T[];
  test: T[];
}

/** mulberry32: tiny, fast and good enough for shuffling; the point is reproducibility across runs and machines. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Splits each label class separately so a rare positive class keeps its share in both halves.
 * Both outputs keep the input order, so they do not depend on how the shuffle visited rows.
 */
export function stratifiedSplit<T>(rows: readonly T[], options: StratifiedSplitOptions<T>): Split<T> {
  const { testFraction, seed, label } = options;
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new RangeError(`testFraction must be in (0, 1), got ${testFraction}`);
  }
  const random = mulberry32(seed);
  const byClass: [number[], number[]] = [[], []];
  rows.forEach((row, i) => byClass[label(row)].push(i));

  const inTest = new Uint8Array(rows.length);
  for (const indices of byClass) {
    shuffleInPlace(indices, random);
    const testCount = Math.round(indices.length * testFraction);
    for (const i of indices.slice(0, testCount)) inTest[i] = 1;
  }

  const train: T[] = [];
  const test: T[] = [];
  rows.forEach((row, i) => (inTest[i] === 1 ? test : train).push(row));
  return { train, test };
}

/** Fisher–Yates shuffle driven by the given (seeded) random source. */
export function shuffleInPlace(values: number[], random: () => number): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = values[i]!;
    values[i] = values[j]!;
    values[j] = tmp;
  }
}
