import type { SparseVector } from './hashing-vectorizer.ts';
import { vectorizeText } from './hashing-vectorizer.ts';
import type { TextHashingSpec } from './hashing-vectorizer.ts';

/**
 * Sparse rows as two dense row-major [rows, k] tensors, the feed of a sparse ONNX graph.
 * Short rows are padded with index 0 and value 0, which adds weight[0] · 0 = 0 to the sum.
 */
export interface SparseBatch {
  indices: BigInt64Array;
  values: Float32Array;
  rows: number;
  /** Entries per row: the longest row's nonzeros, at least 1 so no tensor dimension is 0. */
  k: number;
}

export function toSparseBatch(rows: readonly SparseVector[]): SparseBatch {
  const k = rows.reduce((max, r) => Math.max(max, r.indices.length), 1);
  const indices = new BigInt64Array(rows.length * k);
  const values = new Float32Array(rows.length * k);
  rows.forEach((row, r) => {
    if (row.values.length !== row.indices.length) {
      throw new Error(`toSparseBatch: row ${r} has ${row.indices.length} indices but ${row.values.length} values`);
    }
    row.indices.forEach((index, j) => {
      indices[r * k + j] = BigInt(index);
      values[r * k + j] = row.values[j]!;
    });
  });
  return { indices, values, rows: rows.length, k };
}

/** What serving does with a batch of BYTES text: vectorize each with the card's spec, then pad. */
export function vectorizeTextBatch(spec: TextHashingSpec, texts: readonly string[]): SparseBatch {
  return toSparseBatch(texts.map((text) => vectorizeText(spec, text)));
}
