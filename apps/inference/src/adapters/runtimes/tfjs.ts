import { readFile } from 'node:fs/promises';
import { loadTf, loadTfjsModel } from '@meridian/ml';
import type { ModelMetadata, Tf } from '@meridian/ml';
import { rootLogger } from '@meridian/service-kit';
import type { LayersModel, SymbolicTensor, Tensor as TfTensor } from '@tensorflow/tfjs';
import type { ModelRuntime, RuntimeFactory, Tensor, TensorMap } from '../../domain/ports.ts';

/**
 * How request tensors become model inputs, decided once at load so a mismatch between the
 * artifact and its model.json fails the load rather than every request:
 * - named: each model input carries the name of a metadata input (our own models do);
 * - stacked: one [N, k] model input, filled with the k metadata inputs as columns, in metadata order.
 */
type InputPlan = { kind: 'named'; names: string[]; rowShapes: number[][] } | { kind: 'stacked'; names: string[] };

/**
 * TensorFlow.js Layers models in our single-file format. Uses the best TensorFlow.js that is
 * installed (see loadTf). `threads` does not apply: pure-JS tfjs runs on the event loop, and
 * tfjs-node sizes its own pool (TF_NUM_INTRAOP_THREADS).
 */
export const tfjsRuntime: RuntimeFactory = {
  platform: 'tfjs',
  oipPlatform: 'tensorflow_js',
  async load({ artifactPath, metadata }): Promise<ModelRuntime> {
    const { tf, backend } = await loadTf();
    // Pure JS is many times slower than the native packages; operators need to see which one serves.
    rootLogger().info(
      { model: metadata.name, version: metadata.version, backend, kernels: tf.getBackend() },
      'TensorFlow.js backend',
    );
    const model = await loadTfjsModel(await readFile(artifactPath));
    const outputs = layerNames(model.outputs);
    let plan: InputPlan;
    try {
      plan = planInputs(model, metadata);
      const missing = metadata.outputs.map((o) => o.name).filter((name) => !outputs.includes(name));
      if (missing.length > 0) throw new Error(`model has no output ${missing.join(', ')} (has ${outputs.join(', ')})`);
    } catch (error) {
      model.dispose();
      throw error;
    }
    return {
      run: (inputs, outputNames) => run(tf, { model, plan, outputs }, inputs, outputNames),
      release: async () => {
        model.dispose();
      },
    };
  },
};

/**
 * Names of the layers that take the inputs or produce the outputs. Not model.inputNames/outputNames:
 * a Sequential model leaves those empty.
 */
function layerNames(tensors: readonly SymbolicTensor[]): string[] {
  return tensors.map((t) => t.sourceLayer.name);
}

function planInputs(model: LayersModel, metadata: ModelMetadata): InputPlan {
  const declared = metadata.inputs.map((i) => i.name);
  const names = layerNames(model.inputs);
  if (names.every((name) => declared.includes(name)))
    return { kind: 'named', names, rowShapes: model.inputs.map((t) => rowShape(t.shape)) };
  const width = model.inputs.length === 1 ? model.inputs[0]!.shape : undefined;
  if (width?.length === 2 && width[1] === declared.length) return { kind: 'stacked', names: declared };
  throw new Error(
    `model inputs ${names.join(', ')} match neither the declared inputs ${declared.join(', ')} ` +
      `nor one [N, ${declared.length}] matrix of them`,
  );
}

interface Loaded {
  model: LayersModel;
  plan: InputPlan;
  /** Output layer names, in the order model.predict returns them. */
  outputs: string[];
}

async function run(
  tf: Tf,
  { model, plan, outputs }: Loaded,
  inputs: TensorMap,
  outputNames: readonly string[],
): Promise<TensorMap> {
  const columns = plan.names.map((name) => fp32Input(inputs, name));
  const batch = columns[0]!.dims[0]!;
  // Checked here because broadcasting would silently turn a batch of 1 into a batch of N.
  for (const [i, t] of columns.entries()) {
    if (t.dims[0] !== batch) throw new Error(`input ${plan.names[i]} has batch ${t.dims[0]}, expected ${batch}`);
  }
  const indices = outputNames.map((name) => {
    const index = outputs.indexOf(name);
    if (index < 0) throw new Error(`model has no output ${name}`);
    return index;
  });

  const results = tf.tidy(() => {
    const feeds =
      plan.kind === 'named'
        ? columns.map((t, i) => tf.tensor(t.data, [batch, ...plan.rowShapes[i]!]))
        : [
            tf.stack(
              columns.map((t) => tf.tensor1d(t.data)),
              1,
            ),
          ];
    const predicted = model.predict(feeds, { batchSize: Math.max(batch, 1) });
    const tensors = Array.isArray(predicted) ? predicted : [predicted];
    return indices.map((index) => tensors[index]!);
  });
  try {
    const out: TensorMap = {};
    for (const [k, name] of outputNames.entries()) {
      out[name] = await toOipTensor(name, results[k]!, batch);
    }
    return out;
  } finally {
    tf.dispose(results);
  }
}

function fp32Input(inputs: TensorMap, name: string): Tensor & { data: Float32Array } {
  const t = inputs[name];
  if (!t) throw new Error(`missing input ${name}`);
  if (t.datatype !== 'FP32' || !(t.data instanceof Float32Array))
    throw new Error(`input ${name} must be FP32 (a Float32Array), got ${t.datatype}`);
  if (t.dims[0] === undefined) throw new Error(`input ${name} has no batch dimension`);
  return t as Tensor & { data: Float32Array };
}

/** The model's per-row shape: [N] requests feed [N, 1] inputs. */
function rowShape(shape: readonly (number | null)[]): number[] {
  return shape.slice(1).map((d, i) => {
    if (d === null) throw new Error(`model input dimension ${i + 1} is variable; only the batch may be`);
    return d;
  });
}

async function toOipTensor(name: string, t: TfTensor, batch: number): Promise<Tensor> {
  if (t.dtype !== 'float32') throw new Error(`output ${name} is ${t.dtype}, expected float32`);
  const values = (await t.data()) as Float32Array;
  // One value per row comes back as [N] (a [N, 1] column squeezed), like the ONNX models' outputs.
  const dims = t.size === batch ? [batch] : [...t.shape];
  // A copy: the backend owns the array it returned and may reuse it once the tensor is disposed.
  return { datatype: 'FP32', dims, data: new Float32Array(values) };
}
