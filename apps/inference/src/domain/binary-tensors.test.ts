import { describe, expect, it } from 'vitest';
import type { Datatype, InferRequest, InferResponse } from '@meridian/contracts';
import type { AppError } from '@meridian/service-kit';
import { binaryOutputs, encodeBinaryResponse } from './binary-outputs.ts';
import { decodeBinaryRequest } from './binary-tensors.ts';

/** A body of the extension: the JSON part, then the parts' bytes; with the header value that goes with it. */
function binaryBody(json: unknown, ...parts: Uint8Array[]) {
  const head = Buffer.from(JSON.stringify(json));
  return { body: Buffer.concat([head, ...parts]), headerLength: String(head.byteLength) };
}
const fp32 = (...v: number[]) => Buffer.from(Float32Array.from(v).buffer);
const x = (size: number, extra: object = {}) => ({
  name: 'x',
  datatype: 'FP32',
  shape: [2],
  parameters: { binary_data_size: size },
  ...extra,
});

/** The 400 a decode throws, as message and field paths. */
function refusal(o: { body: Buffer; headerLength: string | undefined }): { message: string; paths: string[] } {
  try {
    decodeBinaryRequest(o);
  } catch (err) {
    expect((err as AppError).status).toBe(400);
    return { message: (err as AppError).message, paths: ((err as AppError).errors ?? []).map((e) => e.path) };
  }
  throw new Error('expected a 400');
}

describe('decodeBinaryRequest', () => {
  it('when inputs are mixed, then binary ones get their bytes as data in input order and JSON ones are untouched', () => {
    const request = {
      id: 'r',
      inputs: [
        { name: 'k', datatype: 'INT64', shape: [2], parameters: { binary_data_size: 16, note: 'kept' } },
        { name: 'j', datatype: 'FP32', shape: [1], data: [7] },
        x(8),
      ],
    };
    const k = Buffer.from(BigInt64Array.of(-3n, 2n ** 53n - 1n).buffer);
    expect(decodeBinaryRequest(binaryBody(request, k, fp32(0.5, -2)))).toEqual({
      id: 'r',
      inputs: [
        { name: 'k', datatype: 'INT64', shape: [2], parameters: { note: 'kept' }, data: [-3, 2 ** 53 - 1] },
        { name: 'j', datatype: 'FP32', shape: [1], data: [7] },
        { name: 'x', datatype: 'FP32', shape: [2], data: [0.5, -2] },
      ],
    });
  });

  it('when FP16 halves arrive, then they read as the numbers they encode', () => {
    const halves = Buffer.from(Uint16Array.of(0x3c00, 0xc000, 0x7c00, 0x0001).buffer);
    const request = { inputs: [{ name: 'h', datatype: 'FP16', shape: [4], parameters: { binary_data_size: 8 } }] };
    const decoded = decodeBinaryRequest(binaryBody(request, halves)) as InferRequest;
    expect(decoded.inputs[0]!.data).toEqual([1, -2, Number.POSITIVE_INFINITY, 2 ** -24]);
  });

  it.each([
    ['the header is missing', { body: Buffer.from('{}'), headerLength: undefined }, /needs the Inference-Header/],
    [
      'the header is not a number',
      { body: Buffer.from('{}'), headerLength: 'ten' },
      /whole number of bytes, got "ten"/,
    ],
    [
      'the header is larger than the body',
      { body: Buffer.from('{}'), headerLength: '9' },
      /is 9 but the body has only 2 bytes/,
    ],
    ['the header is 0 (raw binary)', { body: fp32(1), headerLength: '0' }, /without a JSON part/],
    [
      'the JSON part is cut short',
      { body: Buffer.from('{"inputs":[]}'), headerLength: '5' },
      /first 5 bytes\) is not valid JSON/,
    ],
    [
      'binary_data_size does not match datatype × shape',
      binaryBody({ inputs: [x(12)] }, fp32(1, 2, 3)),
      /binary_data_size is 12 but FP32 × \[2\] takes 8 bytes/,
    ],
    ['bytes are left over', binaryBody({ inputs: [x(8)] }, fp32(1, 2, 3)), /4 bytes are left over/],
    [
      'the binary part is short',
      binaryBody({ inputs: [x(8)] }, fp32(1)),
      /adds up to 8 bytes but the binary part has 4/,
    ],
    ['binary bytes come with no binary input', binaryBody({ inputs: [] }, fp32(1)), /4 bytes are left over/],
    [
      'the datatype is unknown',
      binaryBody({ inputs: [x(8, { datatype: 'FP8' })] }, fp32(1, 2)),
      /unknown datatype "FP8"/,
    ],
    [
      'an input has data and binary_data_size',
      binaryBody({ inputs: [x(8, { data: [1, 2] })] }, fp32(1, 2)),
      /both data and binary_data_size/,
    ],
    [
      'binary_data_size is not a byte count',
      binaryBody({ inputs: [x(-1)] }, fp32(1, 2)),
      /must be a whole number of bytes/,
    ],
    [
      'a BOOL byte is neither 0 nor 1',
      binaryBody(
        { inputs: [{ name: 'b', datatype: 'BOOL', shape: [1], parameters: { binary_data_size: 1 } }] },
        Uint8Array.of(2),
      ),
      /BOOL byte 2/,
    ],
    [
      'an INT64 is beyond what JSON holds exactly',
      binaryBody(
        { inputs: [{ name: 'k', datatype: 'INT64', shape: [1], parameters: { binary_data_size: 8 } }] },
        Buffer.from(BigInt64Array.of(2n ** 60n).buffer),
      ),
      /beyond ±2\^53/,
    ],
  ])('when %s, then a 400 says so', (_case, body, message) => {
    expect(refusal(body).message).toMatch(message);
  });

  it('when BYTES elements overrun, miscount or are not UTF-8, then a 400 names the input and the element', () => {
    const bytes = (shape: number[], part: Uint8Array) =>
      binaryBody(
        { inputs: [{ name: 's', datatype: 'BYTES', shape, parameters: { binary_data_size: part.byteLength } }] },
        part,
      );
    const lengthThen = (n: number, ...tail: number[]) => Uint8Array.of(n, 0, 0, 0, ...tail);
    expect(refusal(bytes([1], lengthThen(5, 0x61))).message).toMatch(
      /input s element 0 claims 5 bytes but only 1 remain/,
    );
    expect(refusal(bytes([2], lengthThen(1, 0x61))).message).toMatch(
      /input s holds 1 BYTES elements but the shape needs 2/,
    );
    expect(refusal(bytes([1], lengthThen(1, 0xff))).message).toMatch(/input s element 0 is not valid UTF-8/);
    expect(refusal(bytes([1], Uint8Array.of(1, 0))).paths).toEqual(['inputs.s.data']);
  });
});

describe('encodeBinaryResponse', () => {
  const samples: [Datatype, (number | string | boolean)[]][] = [
    ['BOOL', [true, false, true]],
    ['UINT8', [0, 255]],
    ['INT8', [-128, 127]],
    ['UINT16', [0, 65535]],
    ['INT16', [-32768, 32767]],
    ['UINT32', [0, 2 ** 32 - 1]],
    ['INT32', [-(2 ** 31), 2 ** 31 - 1]],
    ['UINT64', [0, 2 ** 53 - 1]],
    ['INT64', [-(2 ** 53 - 1), 2 ** 53 - 1]],
    ['FP32', [1.5, -0.25, Math.fround(0.1)]],
    ['FP64', [0.1, -1e300]],
    ['BYTES', ['a', '', 'héllo ✓']],
  ];
  const response: InferResponse = {
    model_name: 'm',
    id: 'r',
    outputs: samples.map(([datatype, data]) => ({ name: datatype, datatype, shape: [data.length], data })),
  };

  it('when every output is asked in binary, then reading the bytes back as inputs gives the same values', () => {
    const encoded = encodeBinaryResponse({ response, binary: () => true })!;
    const json = JSON.parse(encoded.body.subarray(0, encoded.headerLength).toString()) as InferResponse;
    expect(json.outputs.every((o) => o.data === undefined)).toBe(true);
    // The response's JSON part, turned into a request, is decoded by the request side of the codec.
    const asRequest = { inputs: json.outputs };
    const decoded = decodeBinaryRequest({
      body: Buffer.concat([Buffer.from(JSON.stringify(asRequest)), encoded.body.subarray(encoded.headerLength)]),
      headerLength: String(Buffer.byteLength(JSON.stringify(asRequest))),
    }) as InferRequest;
    expect(decoded.inputs.map((t) => t.data)).toEqual(samples.map(([, data]) => data));
    expect(json.outputs.find((o) => o.name === 'BYTES')!.parameters).toEqual({ binary_data_size: 4 * 3 + 1 + 10 });
  });

  it('when no output is asked in binary, then there is nothing to encode', () => {
    expect(encodeBinaryResponse({ response, binary: () => false })).toBeUndefined();
  });
});

describe('binaryOutputs', () => {
  const request = (o: Partial<InferRequest>): InferRequest => ({ inputs: [], ...o });

  it("when the request asks for binary outputs and one output says no, then that output's own flag wins", () => {
    const binary = binaryOutputs(
      request({
        parameters: { binary_data_output: true },
        outputs: [{ name: 'z', parameters: { binary_data: false } }],
      }),
    );
    expect([binary('y'), binary('z')]).toEqual([true, false]);
  });

  it('when a flag is not a boolean, then a 400 names it', () => {
    expect(() => binaryOutputs(request({ outputs: [{ name: 'y', parameters: { binary_data: 'yes' } }] }))).toThrow(
      /outputs\.y\.parameters\.binary_data must be true or false/,
    );
  });
});
