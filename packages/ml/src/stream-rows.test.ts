import { describe, expect, it } from 'vitest';
import { parseStreamRowKey, streamRowKey, warmUpRow } from './stream-rows.ts';

describe('stream row keys', () => {
  it('when a key is minted and read back, then entity, epoch and sequence come out (an entity may contain @ or #)', () => {
    expect(parseStreamRowKey(streamRowKey('mote-3', 1764000000000, 12))).toEqual({
      entity: 'mote-3',
      epoch: '1764000000000',
      seq: 12,
    });
    expect(parseStreamRowKey(streamRowKey('a@b#c', 1, 2))).toEqual({ entity: 'a@b#c', epoch: '1', seq: 2 });
    expect(parseStreamRowKey('no-sequence')).toBeUndefined();
  });

  it("when a row is among its mote's first `window` readings of the epoch, then it is warming up; later ones are not; other keys are unknown", () => {
    expect([1, 5, 6].map((seq) => warmUpRow(streamRowKey('7', 1, seq), 5))).toEqual([true, true, false]);
    expect(warmUpRow('request-17', 5)).toBeUndefined();
  });
});
