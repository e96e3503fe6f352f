import { describe, expect, it } from 'vitest';
import { canonicalJson } from '@meridian/service-kit';
import { recordKey } from './record-key.ts';

describe('recordKey', () => {
  it('when a record brings an id, then the id is the key', () => {
    expect(recordKey({ id: 'reading-7', mote_id: 1 })).toBe('id:reading-7');
  });

  it('when it has no usable id, then the key is the sha256 of its canonical JSON, whatever the key order', () => {
    const a = recordKey({ mote_id: 1, humidity: 40, nested: { b: 1, a: 2 } });
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(recordKey({ nested: { a: 2, b: 1 }, humidity: 40, mote_id: 1 })).toBe(a);
    expect(recordKey({ mote_id: 1, humidity: 41, nested: { b: 1, a: 2 } })).not.toBe(a);
    expect(recordKey({ id: '', mote_id: 1 })).toMatch(/^sha256:/);
    expect(recordKey({ id: 7, mote_id: 1 })).toMatch(/^sha256:/);
  });

  it('when values are canonicalised, then keys are sorted at every depth and undefined fields dropped', () => {
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: 'x', u: undefined })).toBe('{"a":"x","b":[1,{"c":2,"d":1}]}');
  });
});
