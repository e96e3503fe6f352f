/** Protobuf wire types (https://protobuf.dev/programming-guides/encoding/). */
export const WireType = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

const textEncoder = new TextEncoder();

/**
 * Base-128 varint. Negative numbers are written as their 64-bit two's complement (10 bytes),
 * which is what protobuf does for int32/int64 fields.
 */
export function encodeVarint(value: number | bigint): Uint8Array {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new RangeError(`varint: ${value} is not a safe integer`);
  }
  let v = BigInt.asUintN(64, BigInt(value));
  const bytes: number[] = [];
  while (v >= 0x80n) {
    bytes.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  bytes.push(Number(v));
  return Uint8Array.from(bytes);
}

/**
 * Append-only writer for one protobuf message. Fields are written in call order; nested
 * messages are encoded first and embedded as length-delimited bytes.
 */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];

  private tag(field: number, wireType: WireType): void {
    if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff) {
      throw new RangeError(`protobuf field number out of range: ${field}`);
    }
    // Multiply rather than shift: field << 3 overflows int32 for large field numbers.
    this.chunks.push(encodeVarint(field * 8 + wireType));
  }

  /** int32 / int64 / uint64 / enum / bool. */
  varint(field: number, value: number | bigint | boolean): this {
    this.tag(field, WireType.VARINT);
    this.chunks.push(encodeVarint(typeof value === 'boolean' ? Number(value) : value));
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WireType.LEN);
    this.chunks.push(encodeVarint(value.length), value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  /** An embedded message, already encoded (e.g. by another ProtoWriter's finish()). */
  message(field: number, encoded: Uint8Array): this {
    return this.bytes(field, encoded);
  }

  /** A single IEEE-754 float32, little-endian (protobuf `float`). */
  float(field: number, value: number): this {
    this.tag(field, WireType.I32);
    this.chunks.push(float32LittleEndian([value]));
    return this;
  }

  /** `repeated float` with [packed = true]. Empty lists are omitted, as protobuf does. */
  packedFloats(field: number, values: readonly number[]): this {
    return values.length === 0 ? this : this.bytes(field, float32LittleEndian(values));
  }

  /** `repeated int32/int64` with [packed = true]. Empty lists are omitted. */
  packedVarints(field: number, values: readonly (number | bigint)[]): this {
    return values.length === 0 ? this : this.bytes(field, concatBytes(values.map((v) => encodeVarint(v))));
  }

  finish(): Uint8Array {
    return concatBytes(this.chunks);
  }
}

export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function float32LittleEndian(values: readonly number[]): Uint8Array {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return new Uint8Array(view.buffer);
}
