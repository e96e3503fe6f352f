import { describe, expect, it } from 'vitest';
import { ProtoWriter, encodeVarint } from './proto-writer.ts';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

describe('encodeVarint', () => {
  it('when encoding small and multi-byte values, then it emits base-128 groups low first', () => {
    expect(encodeVarint(0)).toEqual(bytes(0x00));
    expect(encodeVarint(1)).toEqual(bytes(0x01));
    expect(encodeVarint(127)).toEqual(bytes(0x7f));
    expect(encodeVarint(128)).toEqual(bytes(0x80, 0x01));
    expect(encodeVarint(300)).toEqual(bytes(0xac, 0x02));
    expect(encodeVarint(2 ** 32)).toEqual(bytes(0x80, 0x80, 0x80, 0x80, 0x10));
  });

  it("when encoding a negative number, then it writes the 10-byte two's complement form", () => {
    expect(encodeVarint(-1)).toEqual(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01));
  });

  it('when given a non-integer, then it refuses rather than truncating', () => {
    expect(() => encodeVarint(1.5)).toThrow(RangeError);
  });
});

describe('ProtoWriter', () => {
  it('when writing a varint field, then the tag carries field number and wire type 0', () => {
    expect(new ProtoWriter().varint(1, 150).finish()).toEqual(bytes(0x08, 0x96, 0x01));
  });

  it('when writing a string field, then it is length-delimited UTF-8', () => {
    expect(new ProtoWriter().string(2, 'testing').finish()).toEqual(
      bytes(0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67),
    );
    expect(new ProtoWriter().string(1, 'é').finish()).toEqual(bytes(0x0a, 0x02, 0xc3, 0xa9));
  });

  it('when writing a float field, then it is fixed32 little-endian IEEE-754', () => {
    expect(new ProtoWriter().float(1, 1).finish()).toEqual(bytes(0x0d, 0x00, 0x00, 0x80, 0x3f));
  });

  it('when writing packed varints, then one length-delimited record holds them all', () => {
    expect(new ProtoWriter().packedVarints(4, [3, 270, 86942]).finish()).toEqual(
      bytes(0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05),
    );
  });

  it('when writing packed floats, then each value takes four little-endian bytes', () => {
    expect(new ProtoWriter().packedFloats(4, [1, -2]).finish()).toEqual(
      bytes(0x22, 0x08, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0),
    );
  });

  it('when a packed list is empty, then nothing is written', () => {
    expect(new ProtoWriter().packedFloats(4, []).packedVarints(1, []).finish()).toEqual(bytes());
  });

  it('when embedding a message with a large field number, then the tag is a multi-byte varint', () => {
    const inner = new ProtoWriter().varint(1, 150).finish();
    expect(new ProtoWriter().message(3, inner).finish()).toEqual(bytes(0x1a, 0x03, 0x08, 0x96, 0x01));
    expect(new ProtoWriter().varint(16, 1).finish()).toEqual(bytes(0x80, 0x01, 0x01));
  });

  it('when the field number is 0, then it is rejected', () => {
    expect(() => new ProtoWriter().varint(0, 1)).toThrow(RangeError);
  });
});
