import { describe, expect, it } from 'vitest';
import { batchTensors, buildModelCard } from './model-card.ts';
import type { ModelMetadata } from './model-metadata.ts';

const card = {
  name: 'm',
  version: '1',
  platform: 'onnx' as const,
  created_at: '2026-01-01T00:00:00Z',
  inputs: [
    { name: 'x', datatype: 'FP32' as const, shape: [-1] },
    { name: 'text', datatype: 'BYTES' as const, shape: [-1] },
  ],
  outputs: [{ name: 'p', datatype: 'FP32' as const, shape: [-1] }],
};
const values = Array.from({ length: 100 }, (_, i) => i);

describe('buildModelCard', () => {
  it('when every input and output has training values or a reason, then each value column becomes a reference and the reasons are kept', () => {
    const built = buildModelCard<ModelMetadata>(card, {
      columns: { x: values, p: { values: values.map((v) => v / 100), population: 'full-window' } },
      unmonitored: { text: 'raw text' },
    });
    expect(Object.keys(built.reference!)).toEqual(['x', 'p']);
    expect(built.reference!.x).toMatchObject({ kind: 'numeric', count: 100 });
    expect(built.reference!.x).not.toHaveProperty('population');
    expect(built.reference!.p!.population).toBe('full-window');
    expect(built.drift_monitoring).toEqual({ enabled: true, unmonitored: { text: 'raw text' } });
  });

  it('when every tensor has values, then the card says nothing more about drift monitoring', () => {
    const plain = { ...card, inputs: [card.inputs[0]!] };
    expect(buildModelCard<ModelMetadata>(plain, { columns: { x: values, p: values } })).not.toHaveProperty(
      'drift_monitoring',
    );
  });

  it('when a trainer forgets a tensor, names one the model does not have, or gives no reason, then it refuses, naming each', () => {
    expect(() => buildModelCard<ModelMetadata>(card, { columns: { x: values } })).toThrow(
      /text has no training values.*p has no training values/,
    );
    expect(() =>
      buildModelCard<ModelMetadata>(card, {
        columns: { x: values, p: values, y: values },
        unmonitored: { text: 'raw text' },
      }),
    ).toThrow(/y is not an input or output/);
    expect(() =>
      buildModelCard<ModelMetadata>(card, { columns: { x: values, p: values }, unmonitored: { text: ' ' } }),
    ).toThrow(/text has no training values/);
    expect(() => buildModelCard<ModelMetadata>(card, { off: '' })).toThrow(/needs a reason/);
  });

  it('when drift monitoring is off, then the card carries the reason and no reference', () => {
    const built = buildModelCard<ModelMetadata>(card, { off: 'a rules engine: its inputs are checked upstream' });
    expect(built.drift_monitoring).toEqual({
      enabled: false,
      reason: 'a rules engine: its inputs are checked upstream',
    });
    expect(built).not.toHaveProperty('reference');
  });
});

describe('batchTensors', () => {
  it('when names are given, then each becomes a batch vector of the datatype, FP32 unless told', () => {
    expect(batchTensors(['x', 'p'])).toEqual([
      { name: 'x', datatype: 'FP32', shape: [-1] },
      { name: 'p', datatype: 'FP32', shape: [-1] },
    ]);
    expect(batchTensors(['text'], 'BYTES')).toEqual([{ name: 'text', datatype: 'BYTES', shape: [-1] }]);
  });
});
