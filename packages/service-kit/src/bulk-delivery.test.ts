import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deliveryParts, EntrySplitter } from './bulk-delivery.ts';
import { AppError } from './errors.ts';

const limits = { maxDepth: 32, maxEntryBytes: 1 << 20 };

/** The entries the splitter cuts from `text` fed in chunks of `size` bytes, parsed. */
function split(text: string, size: number, o = limits): unknown[] {
  const bytes = Buffer.from(text);
  const splitter = new EntrySplitter(o);
  const entries: unknown[] = [];
  for (let at = 0; at < bytes.length; at += size)
    for (const e of splitter.push(bytes.subarray(at, at + size))) entries.push(JSON.parse(e.toString()));
  splitter.end();
  return entries;
}

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err as AppError;
  }
  throw new Error('not refused');
};

const tricky = {
  entryId: 'a"}]{[',
  event: { data: { s: 'entries \\" } ] {', nested: [[{ x: 1 }], { y: [] }], u: 'é ✓ 😀' }, n: -1.5e3, t: true },
  metadata: { entries: '[{"not":"an entry"}]' },
};

describe('EntrySplitter (a bulk delivery cut into its entries as it arrives)', () => {
  it('when the delivery is fed in chunks of any size, then the entries are what JSON.parse finds in it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ entryId: fc.string(), event: fc.jsonValue() }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 64 }),
        (entries, size) => {
          const text = JSON.stringify({ id: 'd', topic: 'entries', entries, metadata: { entries: [{ no: 1 }] } });
          expect(split(text, size)).toEqual(JSON.parse(JSON.stringify(entries)));
        },
      ),
    );
  });

  it('when strings hold brackets, quotes, escapes and the word entries, and the envelope has whitespace, then only the entries array counts', () => {
    const text = `{ "metadata" : { "entries" : [ { "no" : 1 } ] } ,\n "entries" :\t[ ${JSON.stringify(tricky)} , {} ] , "topic":"entries" }`;
    for (const size of [1, 2, 3, 7, 1000]) expect(split(text, size)).toEqual([tricky, {}]);
  });

  it('when a delivery has no entries member, or an empty one, then it has no entries', () => {
    expect(split('{"id":"x","metadata":{}}', 4)).toEqual([]);
    expect(split('{"entries":[]}', 4)).toEqual([]);
  });

  it('when the entries member is named with escapes, then it is still the entries member', () => {
    expect(split('{"\\u0065ntries":[{"a":1}],"entr\\"ies":[{"b":2}]}', 3)).toEqual([{ a: 1 }]);
  });

  it('when the delivery is not one JSON object with object entries, then 400 says what is wrong', () => {
    const cases: [string, RegExp][] = [
      ['[{"entryId":"a"}]', /must be a JSON object/],
      ['{"entries":[1]}', /each entry .* must be a JSON object/],
      ['{"entries":["x"]}', /each entry .* must be a JSON object/],
      ['{"entries":[[]]}', /each entry .* must be a JSON object/],
      ['{"entries":[]} {}', /bytes after its end/],
      ['{"entries":[{"a":1}', /ended before its JSON did/],
      ['{"entries":[],"entries":[]}', /two "entries" members/],
      ['{"entries":[{"a":1}],"entries":5}', /two "entries" members/],
      ['{"entries":5}', /"entries" member .* must be an array/],
      ['{"entries" : {"entryId":"a"}}', /"entries" member .* must be an array/],
      [`{"entries":[{"a":${'['.repeat(40)}${']'.repeat(40)}}]}`, /nested deeper than 32 levels/],
    ];
    for (const [text, message] of cases) {
      const err = refusal(() => split(text, 3));
      expect(err).toBeInstanceOf(AppError);
      expect(err.code).toBe('BAD_REQUEST');
      expect(err.message).toMatch(message);
    }
  });

  it('when an entry is larger than the bound, then 413 names the bound, wherever the chunks fall', () => {
    const text = JSON.stringify({ entries: [{ entryId: 'a', event: 'x'.repeat(300) }] });
    for (const size of [1, 50, 10_000]) {
      const err = refusal(() => split(text, size, { maxDepth: 32, maxEntryBytes: 256 }));
      expect(err.code).toBe('PAYLOAD_TOO_LARGE');
      expect(err.message).toMatch(/larger than 256 bytes/);
    }
    expect(split(text, 50, { maxDepth: 32, maxEntryBytes: 400 })).toHaveLength(1);
  });
});

describe('deliveryParts (a bulk delivery handled a part at a time)', () => {
  const delivery = (n: number, pad: number) =>
    Buffer.from(
      JSON.stringify({
        entries: Array.from({ length: n }, (_, i) => ({
          entryId: `e${i}`,
          event: { data: { i, pad: 'x'.repeat(pad) } },
        })),
      }),
    );

  it('when a delivery is larger than a part, then it comes in parts of about that size, in order, and no chunk is read before the part before it is handled', async () => {
    const bytes = delivery(20, 1_000);
    let pulled = 0;
    async function* chunks() {
      for (let at = 0; at < bytes.length; at += 512) {
        pulled += 1;
        yield bytes.subarray(at, at + 512);
      }
    }
    const parts: { ids: unknown[]; pulledWhenGiven: number }[] = [];
    for await (const part of deliveryParts(chunks(), { partBytes: 5_000, maxEntryBytes: 2_000, maxDepth: 32 })) {
      parts.push({ ids: part.map((e) => (e as { entryId: string }).entryId), pulledWhenGiven: pulled });
    }
    expect(parts.flatMap((p) => p.ids)).toEqual(Array.from({ length: 20 }, (_, i) => `e${i}`));
    // Each entry is about 1,050 bytes: five make a part of 5,000 or more.
    expect(parts.map((p) => p.ids.length)).toEqual([5, 5, 5, 5]);
    // A part is given as soon as its last entry is read: by then only about a part's worth of chunks was pulled.
    for (const [i, p] of parts.entries())
      expect(p.pulledWhenGiven).toBeLessThanOrEqual(Math.ceil(((i + 1) * 5_300) / 512) + 1);
  });

  const read = async (text: string, partBytes: number) => {
    const parts: unknown[][] = [];
    for await (const part of deliveryParts([Buffer.from(text)], { partBytes, maxEntryBytes: 1_000, maxDepth: 32 }))
      parts.push(part);
    return parts;
  };

  it('when a delivery is no larger than a part, then it is parsed whole and gives the entries the splitter gives', async () => {
    const text = JSON.stringify({ entries: [tricky, { entryId: 'b', event: 1 }], metadata: { entries: [] } });
    expect(await read(text, 10_000)).toEqual([[tricky, { entryId: 'b', event: 1 }]]);
    expect((await read(text, 10)).flat()).toEqual([tricky, { entryId: 'b', event: 1 }]);
    expect(await read('{"entries":[]}', 10_000)).toEqual([]);
  });

  it('when a delivery or an entry is not JSON, or an entry not an object, then 400 names it, read whole or in parts', async () => {
    await expect(read('{"entries":[{"a":tru}]}', 10_000)).rejects.toThrow(/a bulk delivery is not valid JSON/);
    await expect(read('{"entries":[{"a":tru}]}', 1)).rejects.toThrow(
      /an entry of this bulk delivery is not valid JSON/,
    );
    for (const partBytes of [1, 10_000]) {
      await expect(read('{"entries":[1]}', partBytes)).rejects.toThrow(/each entry .* must be a JSON object/);
      await expect(read('{"entries":"x"}', partBytes)).rejects.toThrow(/"entries" member .* must be an array/);
      await expect(read('[]', partBytes)).rejects.toThrow(/must be a JSON object/);
      await expect(read(`{"entries":[{"a":${'['.repeat(40)}${']'.repeat(40)}}]}`, partBytes)).rejects.toThrow(
        /nested deeper than 32 levels/,
      );
    }
  });
});
