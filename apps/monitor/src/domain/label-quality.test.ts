import { describe, expect, it } from 'vitest';
import { addLabel, splitRowId } from './label-quality.ts';

describe('addLabel', () => {
  it('when labels join, then the latest pairs are kept, the total keeps counting past them', () => {
    const v = [
      [1, 1],
      [0, 0],
      [1, 0],
    ].reduce<ReturnType<typeof addLabel> | undefined>(
      (acc, pair) => addLabel(acc, { pair: pair as [number, number], keep: 2 }),
      undefined,
    )!;
    expect(v).toEqual({
      pairs: [
        [0, 0],
        [1, 0],
      ],
      total: 3,
    });
  });

  it("when the prediction carried protected attributes, then its (decision, label) is counted in each attribute's group", () => {
    const first = addLabel(undefined, { pair: [1, 1], groups: { sex: 'female', race: 'other' }, keep: 10 });
    const second = addLabel(first, { pair: [0, 1], groups: { sex: 'female', race: 'white' }, keep: 10 });
    expect(second.groups).toEqual({
      sex: { female: { tp: 1, fp: 0, fn: 1, tn: 0 } },
      race: { other: { tp: 1, fp: 0, fn: 0, tn: 0 }, white: { tp: 0, fp: 0, fn: 1, tn: 0 } },
    });
    expect(first.groups!.sex!.female).toEqual({ tp: 1, fp: 0, fn: 0, tn: 0 });
  });
});

describe('row ids', () => {
  it('when a row id is split, then the event id keeps its own colons and the row is the last part; others are refused', () => {
    expect(splitRowId('features-abc:12')).toEqual({ eventId: 'features-abc', row: 12 });
    expect(splitRowId('urn:x:y:0')).toEqual({ eventId: 'urn:x:y', row: 0 });
    expect(splitRowId('no-row')).toBeUndefined();
    expect(splitRowId('id:-1')).toBeUndefined();
  });
});
