const encoder = new TextEncoder();
// Reused between calls: hashing runs once per token, so a fresh buffer each time would dominate.
let scratch = new Uint8Array(256);

/**
 * MurmurHash3 x86 32-bit of the UTF-8 bytes of `key` (the hash sklearn's HashingVectorizer
 * uses), as an unsigned 32-bit integer. UTF-8 rather than UTF-16 code units so the value is
 * the one any other implementation of the published algorithm gives for the same text.
 */
export function murmur3(key: string, seed = 0): number {
  if (scratch.length < key.length * 3) scratch = new Uint8Array(key.length * 3);
  const n = encoder.encodeInto(key, scratch).written;
  const bytes = scratch;
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed | 0;
  const tail = n - (n % 4);
  for (let i = 0; i < tail; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = n % 4;
  if (rest > 0) {
    let k = 0;
    if (rest === 3) k ^= bytes[tail + 2]! << 16;
    if (rest >= 2) k ^= bytes[tail + 1]! << 8;
    k ^= bytes[tail]!;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
