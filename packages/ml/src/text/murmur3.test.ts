import { describe, expect, it } from 'vitest';
import { murmur3 } from './murmur3.ts';

describe('murmur3', () => {
  // Published MurmurHash3_x86_32 vectors (SMHasher); they cover the 0–3 byte tails and the seed.
  it.each([
    ['', 0, 0],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    ['\0\0\0\0', 0, 0x2362f9de],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['abc', 0, 0xb3dd93fa],
    ['Hello, world!', 0x9747b28c, 0x24884cba],
    ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
  ])('when hashing %j with seed %d, then the published value comes out', (key, seed, expected) => {
    expect(murmur3(key, seed)).toBe(expected);
  });

  it('when the key is not ASCII, then its UTF-8 bytes are hashed', () => {
    // Published vector for eight U+03C0 (16 UTF-8 bytes); hashing UTF-16 units would differ.
    expect(murmur3('ππππππππ', 0x9747b28c)).toBe(0xd58063c1);
  });

  it('when a long key follows a short one, then the result does not depend on call order', () => {
    const long = 'x'.repeat(1000);
    const first = murmur3(long);
    murmur3('a');
    expect(murmur3(long)).toBe(first);
  });
});
