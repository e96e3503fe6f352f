import { describe, expect, it } from 'vitest';
import type { InferRequest } from '@meridian/contracts';
import { AppError } from '@meridian/service-kit';
import { inputHash, toFeeds } from './infer.ts';
import type { LoadedModel } from './model-store.ts';

// toFeeds only reads the declared inputs; the runtime is never called here.
const model = {
  name: 'sensor-anomaly', version: '1', platform: 'onnxruntime_onnx',
  inputs: [{ name: 'humidity', datatype: 'FP32', shape: [-1] }, { name: 'temperature', datatype: 'FP32', shape: [-1] }],
  outputs: [{ name: 'anomaly_probability', datatype: 'FP32', shape: [-1] }],
} as unknown as LoadedModel;

const tensor = (name: string, data: number[], extra: Partial<InferRequest['inputs'][number]> = {}) =>
  ({ name, shape: [data.length], datatype: 'FP32', data, ...extra }) as InferRequest['inputs'][number];

function problemPaths(req: InferRequest): string[] {
  try {
    toFeeds(model, req);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(400);
    return (err as AppError).errors!.map((e) => e.path);
  }
  throw new Error('expected a 400');
}

describe('toFeeds', () => {
  it('when the tensors fit the model, then feeds are float32 with the batch size', () => {
    const { feeds, rows } = toFeeds(model, { inputs: [tensor('humidity', [40, 50]), tensor('temperature', [20, 30])] });
    expect(rows).toBe(2);
    expect(feeds.humidity!.data).toBeInstanceOf(Float32Array);
    expect(Array.from(feeds.temperature!.data)).toEqual([20, 30]);
  });

  it('when an input is missing or unknown, then the 400 names each tensor', () => {
    expect(problemPaths({ inputs: [tensor('humidity', [40]), tensor('pressure', [1])] }).sort()).toEqual(['inputs.pressure', 'inputs.temperature']);
  });

  it('when datatype, shape or value count are wrong, then the 400 names the tensor and the field', () => {
    expect(problemPaths({ inputs: [tensor('humidity', [40], { datatype: 'INT64' }), tensor('temperature', [20])] })).toEqual(['inputs.humidity.datatype']);
    expect(problemPaths({ inputs: [tensor('humidity', [40], { shape: [1, 1] }), tensor('temperature', [20])] })).toContain('inputs.humidity.shape');
    expect(problemPaths({ inputs: [tensor('humidity', [40], { shape: [2] }), tensor('temperature', [20, 21])] })).toEqual(['inputs.humidity.data']);
  });

  it('when inputs disagree on the batch size, then it is a 400', () => {
    expect(problemPaths({ inputs: [tensor('humidity', [40]), tensor('temperature', [20, 21])] })).toEqual(['inputs']);
  });
});

describe('inputHash', () => {
  it('when the same inputs come in another order, then the hash is the same; other values give another hash', () => {
    const a = inputHash({ inputs: [tensor('humidity', [40]), tensor('temperature', [20])] });
    expect(inputHash({ inputs: [tensor('temperature', [20]), tensor('humidity', [40])] })).toBe(a);
    expect(inputHash({ inputs: [tensor('humidity', [41]), tensor('temperature', [20])] })).not.toBe(a);
  });
});
