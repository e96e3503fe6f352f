import { describe, expect, it } from 'vitest';
import { checkTextHashingSpec, vectorizeText } from './hashing-vectorizer.ts';
import type { TextHashingSpec } from './hashing-vectorizer.ts';
import { murmur3 } from './murmur3.ts';

const spec: TextHashingSpec = {
  kind: 'text-hashing',
  version: 1,
  hash: 'murmur3_32',
  dimensions: 2 ** 18,
  tokenizer: { headers: ['subject'], min_length: 2, max_length: 30 },
  weighting: 'log1p',
  normalize: 'l2',
  max_tokens: 1000,
};
const text = 'Subject: Win cash\n\nwin win http://x.example.com';

describe('vectorizeText', () => {
  it('when the same text is vectorized twice, then the sparse vectors are identical', () => {
    const a = vectorizeText(spec, text);
    const b = vectorizeText(spec, text);
    expect([...a.indices]).toEqual([...b.indices]);
    expect([...a.values]).toEqual([...b.values]);
  });

  it('when the spec goes through JSON (as in the model card), then the vector is unchanged', () => {
    const stored = JSON.parse(JSON.stringify(spec)) as TextHashingSpec;
    expect(vectorizeText(stored, text)).toEqual(vectorizeText(spec, text));
  });

  // Golden values: if this fails, the transform changed and served models would get other
  // features than they were trained on — bump TextHashingSpec.version instead of updating it.
  it('when vectorizing a fixed text, then the indices and values are the pinned ones', () => {
    const v = vectorizeText(spec, text);
    expect([...v.indices]).toEqual([79482, 133081, 165836, 192801, 243197]);
    const expected = [Math.log1p(2), Math.log1p(1), Math.log1p(1), Math.log1p(1), Math.log1p(1)];
    const norm = Math.hypot(...expected);
    v.values.forEach((value, i) => expect(value).toBeCloseTo(expected[i]! / norm, 6));
  });

  it('when a token occurs, then its index is murmur3 of the token modulo dimensions', () => {
    const v = vectorizeText({ ...spec, dimensions: 1000 }, 'lottery');
    expect([...v.indices]).toEqual([murmur3('lottery') % 1000]);
  });

  it('when normalised, then indices are strictly increasing and the L2 norm is 1', () => {
    const v = vectorizeText(spec, `${text} and many more words, some repeated: more more words`);
    for (let i = 1; i < v.indices.length; i++) expect(v.indices[i]!).toBeGreaterThan(v.indices[i - 1]!);
    expect(Math.hypot(...v.values)).toBeCloseTo(1, 6);
  });

  it('when weighting is binary, then a repeated token weighs the same as a single one', () => {
    const v = vectorizeText({ ...spec, weighting: 'binary', normalize: 'none' }, 'spam spam spam eggs');
    expect([...v.values]).toEqual([1, 1]);
  });

  it('when max_tokens is reached, then later tokens are ignored', () => {
    expect(vectorizeText({ ...spec, max_tokens: 2 }, 'alpha beta gamma delta').indices).toHaveLength(2);
  });

  it('when the text has no tokens, then the vector is empty', () => {
    const v = vectorizeText(spec, ' \n ');
    expect(v.indices).toHaveLength(0);
    expect(v.values).toHaveLength(0);
  });
});

describe('checkTextHashingSpec', () => {
  it.each([
    [{ version: 2 }, /version 2/],
    [{ kind: 'bag-of-words' }, /kind/],
    [{ weighting: 'tfidf' }, /weighting/],
    [{ dimensions: 0 }, /dimensions/],
    [{ tokenizer: { headers: ['Subject'], min_length: 2, max_length: 30 } }, /lower-case/],
    [{ tokenizer: { headers: [], min_length: 5, max_length: 2 } }, /min_length/],
  ])('when the spec has %j, then it is refused', (change, message) => {
    expect(() => checkTextHashingSpec({ ...spec, ...change } as unknown as TextHashingSpec)).toThrow(message);
  });
});
