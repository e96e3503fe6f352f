import { describe, expect, it } from 'vitest';
import { inferRequestFromGrpc, inferResponseToGrpc } from './grpc-tensors.ts';

const bytesTensor = (...values: string[]) =>
  Buffer.concat(
    values.flatMap((v) => {
      const b = Buffer.from(v, 'utf8');
      const n = Buffer.alloc(4);
      n.writeUInt32LE(b.byteLength);
      return [n, b];
    }),
  );

describe('inferRequestFromGrpc', () => {
  it('when BYTES come typed or raw, then both read as the same strings, with parameters of each kind', () => {
    const typed = inferRequestFromGrpc({
      model_name: 'spam',
      parameters: {
        sticky_key: { string_param: 'u1' },
        deadline_ms: { int64_param: 250 },
        explain: { bool_param: true },
      },
      inputs: [
        {
          name: 'text',
          datatype: 'BYTES',
          shape: [2],
          contents: { bytes_contents: [Buffer.from('héllo'), Buffer.from('win')] },
        },
      ],
    });
    const raw = inferRequestFromGrpc({
      model_name: 'spam',
      parameters: {
        sticky_key: { string_param: 'u1' },
        deadline_ms: { int64_param: 250 },
        explain: { bool_param: true },
      },
      inputs: [{ name: 'text', datatype: 'BYTES', shape: [2] }],
      raw_input_contents: [bytesTensor('héllo', 'win')],
    });
    expect(typed).toEqual(raw);
    expect(raw).toEqual({
      parameters: { sticky_key: 'u1', deadline_ms: 250, explain: true },
      inputs: [{ name: 'text', datatype: 'BYTES', shape: [2], data: ['héllo', 'win'] }],
    });
  });

  it('when a request is malformed, then the error names the input and what is wrong', () => {
    const fp32 = { name: 'x', datatype: 'FP32', shape: [1] };
    expect(() => inferRequestFromGrpc({ inputs: [fp32, fp32], raw_input_contents: [Buffer.alloc(4)] })).toThrow(
      /raw_input_contents has 1 entries for 2 inputs/,
    );
    expect(() => inferRequestFromGrpc({ inputs: [{ ...fp32, datatype: 'FP16' }] })).toThrow(
      /FP16 tensors travel only in raw_input_contents/,
    );
    expect(() =>
      inferRequestFromGrpc({
        inputs: [{ ...fp32, contents: { fp32_contents: [1] } }],
        raw_input_contents: [Buffer.alloc(4)],
      }),
    ).toThrow(/give contents or raw_input_contents, not both/);
    expect(() =>
      inferRequestFromGrpc({
        inputs: [{ name: 't', datatype: 'BYTES', shape: [1] }],
        raw_input_contents: [Buffer.from([9, 0, 0, 0, 1])],
      }),
    ).toThrow(/inputs\[0\] \(t\): raw_input_contents\[0\] element 0 claims 9 bytes/);
  });
});

describe('inferResponseToGrpc', () => {
  it('when an answer has FP32, INT64 and BYTES outputs, then each is laid out raw, little-endian, in output order', () => {
    const r = inferResponseToGrpc({
      model_name: 'm',
      model_version: '2',
      id: 'r',
      parameters: { route: 'champion', cache_hit: true },
      outputs: [
        { name: 'p', datatype: 'FP32', shape: [2], data: [0.5, 1] },
        { name: 'k', datatype: 'INT64', shape: [1], data: [-3] },
        { name: 's', datatype: 'BYTES', shape: [1], data: ['ok'] },
      ],
    });
    expect(r.parameters).toEqual({ route: { string_param: 'champion' }, cache_hit: { bool_param: true } });
    expect(r.raw_output_contents.map((b) => b.toString('hex'))).toEqual([
      '0000003f0000803f',
      'fdffffffffffffff',
      `02000000${Buffer.from('ok').toString('hex')}`,
    ]);
  });
});
