import { vectorizeTextBatch, type ModelMetadata, type TextHashingTransform } from '@meridian/ml';
import type { ModelRuntime } from './ports.ts';

function textTransform(metadata: ModelMetadata): TextHashingTransform | undefined {
  const t = (metadata as { transform?: { kind?: string } }).transform;
  return t?.kind === 'text-hashing' ? (t as TextHashingTransform) : undefined;
}

/**
 * Applies the feature transform recorded in a model card before the model
 * runs, with the same packages/ml code that training used (no
 * training/serving skew): callers send raw text, the graph gets the sparse
 * hashed features. Models without a transform are returned as they are.
 */
export function withTransform(runtime: ModelRuntime, metadata: ModelMetadata): ModelRuntime {
  const spec = textTransform(metadata);
  if (!spec) return runtime;
  return {
    async run(inputs, outputNames) {
      const text = inputs[spec.input];
      if (text?.datatype !== 'BYTES') throw new Error(`input ${spec.input} must be BYTES text`);
      const batch = vectorizeTextBatch(spec, text.data as string[]);
      return runtime.run(
        {
          [spec.graph_inputs.indices]: { datatype: 'INT64', dims: [batch.rows, batch.k], data: batch.indices },
          [spec.graph_inputs.values]: { datatype: 'FP32', dims: [batch.rows, batch.k], data: batch.values },
        },
        outputNames,
      );
    },
    release: () => runtime.release(),
  };
}
