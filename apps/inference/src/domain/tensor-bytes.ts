import type { Datatype } from '@meridian/contracts';

/** One tensor's values as the JSON protocol carries them. */
export type JsonValues = (number | string | boolean)[];

type Fixed = Exclude<Datatype, 'BYTES'>;
type Read = (view: DataView, at: number) => number | boolean;
type Write = (view: DataView, at: number, value: number | boolean) => void;

/** IEEE 754 half precision; DataView has no getFloat16 before Node 24. */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

// JSON numbers are doubles: a 64-bit integer is served only while it stays exact.
const exact = (v: bigint): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${v} is beyond ±2^53, which JSON numbers hold exactly`);
  return n;
};

/** Little-endian, as the binary tensor extension fixes it. FP16 is read but never written (no runtime makes it). */
const CODECS: Record<Fixed, { size: number; read: Read; write?: Write }> = {
  BOOL: {
    size: 1,
    read: (v, at) => {
      const b = v.getUint8(at);
      if (b > 1) throw new RangeError(`BOOL byte ${b} is neither 0 nor 1`);
      return b === 1;
    },
    write: (v, at, x) => v.setUint8(at, x ? 1 : 0),
  },
  UINT8: { size: 1, read: (v, at) => v.getUint8(at), write: (v, at, x) => v.setUint8(at, Number(x)) },
  INT8: { size: 1, read: (v, at) => v.getInt8(at), write: (v, at, x) => v.setInt8(at, Number(x)) },
  UINT16: { size: 2, read: (v, at) => v.getUint16(at, true), write: (v, at, x) => v.setUint16(at, Number(x), true) },
  INT16: { size: 2, read: (v, at) => v.getInt16(at, true), write: (v, at, x) => v.setInt16(at, Number(x), true) },
  FP16: { size: 2, read: (v, at) => halfToNumber(v.getUint16(at, true)) },
  UINT32: { size: 4, read: (v, at) => v.getUint32(at, true), write: (v, at, x) => v.setUint32(at, Number(x), true) },
  INT32: { size: 4, read: (v, at) => v.getInt32(at, true), write: (v, at, x) => v.setInt32(at, Number(x), true) },
  FP32: { size: 4, read: (v, at) => v.getFloat32(at, true), write: (v, at, x) => v.setFloat32(at, Number(x), true) },
  UINT64: {
    size: 8,
    read: (v, at) => exact(v.getBigUint64(at, true)),
    write: (v, at, x) => v.setBigUint64(at, BigInt(Number(x)), true),
  },
  INT64: {
    size: 8,
    read: (v, at) => exact(v.getBigInt64(at, true)),
    write: (v, at, x) => v.setBigInt64(at, BigInt(Number(x)), true),
  },
  FP64: { size: 8, read: (v, at) => v.getFloat64(at, true), write: (v, at, x) => v.setFloat64(at, Number(x), true) },
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes a tensor of a fixed-size datatype takes; undefined for BYTES, whose elements carry their own lengths. */
export function fixedByteSize(datatype: Datatype, elements: number): number | undefined {
  return datatype === 'BYTES' ? undefined : CODECS[datatype].size * elements;
}

/**
 * A tensor's binary form read into the values its JSON form would hold. BYTES
 * elements are each a 4-byte little-endian length then that many bytes, read
 * as UTF-8 (the models take strings). Throws a RangeError saying what is wrong.
 */
export function readTensor(o: { datatype: Datatype; elements: number; bytes: Uint8Array }): JsonValues {
  const view = new DataView(o.bytes.buffer, o.bytes.byteOffset, o.bytes.byteLength);
  if (o.datatype !== 'BYTES') {
    const { size, read } = CODECS[o.datatype];
    const values: JsonValues = new Array(o.elements);
    for (let i = 0; i < o.elements; i++) values[i] = read(view, i * size);
    return values;
  }
  const values: string[] = [];
  let at = 0;
  while (at < o.bytes.byteLength) {
    if (at + 4 > o.bytes.byteLength) throw new RangeError(`element ${values.length} has a cut-off length prefix`);
    const length = view.getUint32(at, true);
    if (at + 4 + length > o.bytes.byteLength)
      throw new RangeError(
        `element ${values.length} claims ${length} bytes but only ${o.bytes.byteLength - at - 4} remain`,
      );
    try {
      values.push(utf8.decode(o.bytes.subarray(at + 4, at + 4 + length)));
    } catch {
      throw new RangeError(`element ${values.length} is not valid UTF-8`);
    }
    at += 4 + length;
  }
  if (values.length !== o.elements)
    throw new RangeError(`holds ${values.length} BYTES elements but the shape needs ${o.elements}`);
  return values;
}

/** A tensor's JSON values in binary form; undefined for a datatype this side never writes (FP16). */
export function writeTensor(o: { datatype: Datatype; data: JsonValues }): Buffer | undefined {
  if (o.datatype === 'BYTES') {
    const parts = o.data.flatMap((s) => {
      const bytes = Buffer.from(String(s), 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32LE(bytes.byteLength);
      return [length, bytes];
    });
    return Buffer.concat(parts);
  }
  const { size, write } = CODECS[o.datatype];
  if (!write) return undefined;
  const out = Buffer.alloc(size * o.data.length);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < o.data.length; i++) write(view, i * size, o.data[i] as number | boolean);
  return out;
}
