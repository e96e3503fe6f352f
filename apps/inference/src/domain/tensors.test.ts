import { describe, expect, it } from 'vitest';
import type { InferInputTensor, TensorMetadata } from '@meridian/contracts';
import type { AppError } from '@meridian/service-kit';
import { concatBatch, sliceBatch, toInputs, toOutput } from './tensors.ts';

const specs: TensorMetadata[] = [
  { name: 'ids', datatype: 'INT64', shape: [-1] },
  { name: 'text', datatype: 'BYTES', shape: [-1] },
  { name: 'x', datatype: 'FP32', shape: [-1, 2] },
];
const good: InferInputTensor[] = [
  { name: 'ids', datatype: 'INT64', shape: [2], data: [7, 9] },
  { name: 'text', datatype: 'BYTES', shape: [2], data: ['a', 'b'] },
  { name: 'x', datatype: 'FP32', shape: [2, 2], data: [1, 2, 3, 4] },
];

function paths(inputs: InferInputTensor[]): string[] {
  try {
    toInputs({ model: 'm', specs, inputs });
  } catch (err) {
    expect((err as AppError).status).toBe(400);
    return (err as AppError).errors!.map((e) => e.path);
  }
  throw new Error('expected a 400');
}

describe('toInputs', () => {
  it('when FP32, INT64 and BYTES tensors fit, then they convert to the runtime types', () => {
    const { tensors, rows } = toInputs({ model: 'm', specs, inputs: good });
    expect(rows).toBe(2);
    expect(tensors.ids!.data).toEqual(BigInt64Array.from([7n, 9n]));
    expect(tensors.text!.data).toEqual(['a', 'b']);
    expect(tensors.x!.dims).toEqual([2, 2]);
  });

  it('when a tensor is missing, unknown, of the wrong type, shape or length, then each is named', () => {
    expect(paths([good[0]!, good[1]!])).toEqual(['inputs.x']);
    expect(paths([...good, { name: 'y', datatype: 'FP32', shape: [1], data: [1] }])).toEqual(['inputs.y']);
    expect(paths([{ ...good[0]!, data: [1.5, 2] }, good[1]!, good[2]!])).toEqual(['inputs.ids.data']);
    expect(paths([good[0]!, { ...good[1]!, data: [1, 2] }, good[2]!])).toEqual(['inputs.text.data']);
    expect(paths([good[0]!, good[1]!, { ...good[2]!, shape: [2, 3] }])).toEqual(['inputs.x.shape']);
    expect(paths([good[0]!, good[1]!, { ...good[2]!, datatype: 'FP64' }])).toEqual(['inputs.x.datatype']);
    expect(paths([good[0]!, good[1]!, { ...good[2]!, data: [1, 2, 3] }])).toEqual(['inputs.x.data']);
  });
});

describe('batch helpers', () => {
  it('when tensors are concatenated and sliced back, then every part is recovered', () => {
    const a = { datatype: 'FP32' as const, dims: [1, 2], data: Float32Array.from([1, 2]) };
    const b = { datatype: 'FP32' as const, dims: [2, 2], data: Float32Array.from([3, 4, 5, 6]) };
    const joined = concatBatch([a, b]);
    expect(joined.dims).toEqual([3, 2]);
    expect(Array.from(sliceBatch(joined, 1, 2).data as Float32Array)).toEqual([3, 4, 5, 6]);
    const words = concatBatch([
      { datatype: 'BYTES', dims: [1], data: ['x'] },
      { datatype: 'BYTES', dims: [1], data: ['y'] },
    ]);
    expect(sliceBatch(words, 1, 1).data).toEqual(['y']);
  });

  it('when an INT64 output is rendered as OIP JSON, then it holds plain numbers', () => {
    expect(toOutput('ids', { datatype: 'INT64', dims: [2], data: BigInt64Array.from([3n, 4n]) })).toEqual({
      name: 'ids',
      datatype: 'INT64',
      shape: [2],
      data: [3, 4],
    });
  });
});
