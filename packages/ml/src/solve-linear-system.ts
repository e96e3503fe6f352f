/**
 * Solves A·x = b by Gaussian elimination with partial pivoting. Meant for the handful of
 * unknowns a Newton step on a few features needs; it copies its inputs rather than mutating them.
 */
export function solveLinearSystem(a: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = b.length;
  if (a.length !== n || a.some((row) => row.length !== n)) {
    throw new Error(`solveLinearSystem: expected a ${n}x${n} matrix`);
  }
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) {
      if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    }
    const scale = Math.max(...m.map((row) => Math.abs(row[col]!)), 1);
    if (Math.abs(m[pivot]![col]!) <= 1e-14 * scale) {
      throw new Error('solveLinearSystem: matrix is singular (add L2 regularisation or drop a constant feature)');
    }
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const pivotRow = m[col]!;
    for (let r = col + 1; r < n; r++) {
      const row = m[r]!;
      const factor = row[col]! / pivotRow[col]!;
      for (let c = col; c <= n; c++) row[c] = row[c]! - factor * pivotRow[c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    const row = m[r]!;
    let sum = row[n]!;
    for (let c = r + 1; c < n; c++) sum -= row[c]! * x[c]!;
    x[r] = sum / row[r]!;
  }
  return x;
}
