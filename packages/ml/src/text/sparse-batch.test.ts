import { describe, expect, it } from 'vitest';
import { toSparseBatch, vectorizeTextBatch } from './sparse-batch.ts';
import { vectorizeText } from './hashing-vectorizer.ts';
import type { TextHashingSpec } from './hashing-vectorizer.ts';

const spec: TextHashingSpec = {
  kind: 'text-hashing',
  version: 1,
  hash: 'murmur3_32',
  dimensions: 1024,
  tokenizer: { headers: ['subject'], min_length: 2, max_length: 30 },
  weighting: 'log1p',
  normalize: 'l2',
  max_tokens: 1000,
};

describe('toSparseBatch', () => {
  it('when rows differ in length, then k is the longest and short rows are padded with index 0, value 0', () => {
    const batch = toSparseBatch([
      { indices: Int32Array.from([3, 9]), values: Float32Array.from([0.5, 0.25]) },
      { indices: Int32Array.from([7]), values: Float32Array.from([1]) },
    ]);
    expect(batch.k).toBe(2);
    expect(batch.rows).toBe(2);
    expect([...batch.indices]).toEqual([3n, 9n, 7n, 0n]);
    expect([...batch.values]).toEqual([0.5, 0.25, 1, 0]);
  });

  it('when every row is empty, then k is 1 so no tensor dimension is zero', () => {
    const batch = toSparseBatch([{ indices: new Int32Array(0), values: new Float32Array(0) }]);
    expect(batch.k).toBe(1);
    expect([...batch.values]).toEqual([0]);
  });

  it('when a row has more indices than values, then it throws', () => {
    expect(() => toSparseBatch([{ indices: Int32Array.from([1, 2]), values: Float32Array.from([1]) }])).toThrow(
      /row 0/,
    );
  });
});

describe('vectorizeTextBatch', () => {
  it('when given texts, then row r holds exactly vectorizeText of text r', () => {
    const texts = ['Subject: win cash\n\nclick now!!', 'lunch at noon?'];
    const batch = vectorizeTextBatch(spec, texts);
    texts.forEach((text, r) => {
      const v = vectorizeText(spec, text);
      expect([...batch.indices.slice(r * batch.k, r * batch.k + v.indices.length)]).toEqual([...v.indices].map(BigInt));
      expect([...batch.values.slice(r * batch.k, r * batch.k + v.values.length)]).toEqual([...v.values]);
    });
  });
});
