import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtimeFor, type TensorMap } from '@meridian/inference/runtimes';
import {
  OnnxDataType,
  SENSOR_ANOMALY_MLP_PARAMS,
  SENSOR_ANOMALY_OUTPUT,
  graphProto,
  int64TensorProto,
  modelProto,
  mulberry32,
  nodeProto,
  nodeProtoWithIntAttributes,
  shuffleInPlace,
  tensorProto,
  valueInfoProto,
  type ModelMetadata,
  type SensorReading,
} from '@meridian/ml';

/**
 * Training an MLP by ONNX Runtime itself: one ONNX graph per step (forward, backward, Adam), run
 * from JS over shuffled batches. bench:inference's wide model (compute-bound.ts) is trained so:
 * pure-JS TF.js trains it at under 10 rows/s here, ORT at several hundred.
 */

/** The wide MLP and how it is fitted. */
export interface WideSpec {
  name: string;
  hiddenLayers: readonly number[];
  epochs: number;
  batchSize: number;
  learningRate: number;
}

/**
 * Adam moves every weight by about the learning rate whatever its gradient, so a layer's output
 * moves in proportion to its fan-in: a weight matrix with fan-in n gets the rate scaled by
 * 16/n (as in muP), 16 being the width the tfjs MLP's rate was chosen at. Biases and the
 * 3-input first layer keep the full rate.
 */
export const LR_REFERENCE_WIDTH = SENSOR_ANOMALY_MLP_PARAMS.hiddenUnits;

const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const; // tfjs's defaults, as the tfjs MLP trains

/**
 * One ONNX graph is one training step: the MLP on standardised rows x, the gradient of the
 * weighted binary cross-entropy (w already holds class weight / batch size), and Adam's update.
 * Inputs: x [B, 3], y [B, 1], w [B, 1], c1 = 1/(1-β1^t), c2 = 1/(1-β2^t), the step's
 * learning_rate, and P, m_P, v_P for each parameter P (W1, b1, …; the last layer is the sigmoid
 * output). Each weight matrix's rate is scaled as LR_REFERENCE_WIDTH says.
 * Outputs: P_next, m_P_next, v_P_next for each, p [B, 1] (the scores before the step), then grad_P
 * for each. Training fetches all but the gradients, which then cost nothing. They come first on
 * purpose: onnxruntime-node 1.23 labels fetched outputs with the names of the graph's first
 * outputs (onnxruntime issue 26865), so only a prefix of the outputs can be fetched safely.
 */
export function trainingGraph(o: { widths: readonly number[] }): Uint8Array {
  const { widths } = o;
  const layers = widths.length - 1;
  const nodes: Uint8Array[] = [];
  const op = (opType: string, inputs: string[], output: string, intAttributes?: Record<string, number>): string => {
    const spec = { opType, inputs, outputs: [output], name: `${opType}_${nodes.length}` };
    nodes.push(intAttributes ? nodeProtoWithIntAttributes({ ...spec, intAttributes }) : nodeProto(spec));
    return output;
  };
  const float = (name: string, shape: (number | string)[]) =>
    valueInfoProto({ name, elemType: OnnxDataType.FLOAT, shape });
  const shapeOf = (param: string): number[] => {
    const l = Number(param.slice(1));
    return param.startsWith('W') ? [widths[l - 1]!, widths[l]!] : [widths[l]!];
  };
  const params = Array.from({ length: layers }, (_, i) => [`W${i + 1}`, `b${i + 1}`]).flat();

  const activations = ['x'];
  for (let l = 1; l <= layers; l++) {
    const s = op('Add', [op('MatMul', [activations[l - 1]!, `W${l}`], `xW${l}`), `b${l}`], `s${l}`);
    activations.push(l < layers ? op('Relu', [s], `a${l}`) : op('Sigmoid', [s], 'p'));
  }
  // d(loss)/d(logit) of sigmoid + cross-entropy is (p - y), weighted.
  let delta = op('Mul', [op('Sub', ['p', 'y'], 'residual'), 'w'], `delta${layers}`);
  for (let l = layers; l >= 1; l--) {
    // a = relu(s) >= 0, so sign(a) is relu's derivative (0 where s <= 0).
    if (l < layers) delta = op('Mul', [delta, op('Sign', [activations[l]!], `relu_grad${l}`)], `delta${l}`);
    op('MatMul', [op('Transpose', [activations[l - 1]!], `a${l - 1}_T`), delta], `grad_W${l}`);
    op('ReduceSum', [delta, 'axis0'], `grad_b${l}`, { keepdims: 0 });
    if (l > 1) delta = op('MatMul', [delta, op('Transpose', [`W${l}`], `W${l}_T`)], `back${l - 1}`);
  }
  for (const p of params) {
    const m = op(
      'Add',
      [op('Mul', [`m_${p}`, 'beta1'], `${p}_m1`), op('Mul', [`grad_${p}`, 'one_minus_beta1'], `${p}_m2`)],
      `m_${p}_next`,
    );
    const g2 = op('Mul', [`grad_${p}`, `grad_${p}`], `${p}_g2`);
    const v = op(
      'Add',
      [op('Mul', [`v_${p}`, 'beta2'], `${p}_v1`), op('Mul', [g2, 'one_minus_beta2'], `${p}_v2`)],
      `v_${p}_next`,
    );
    const denominator = op('Add', [op('Sqrt', [op('Mul', [v, 'c2'], `${p}_vhat`)], `${p}_rms`), 'epsilon'], `${p}_den`);
    const step = op(
      'Div',
      [
        op(
          'Mul',
          [op('Mul', [m, 'c1'], `${p}_mhat`), op('Mul', ['learning_rate', `lr_scale_${p}`], `${p}_lr`)],
          `${p}_num`,
        ),
        denominator,
      ],
      `${p}_step`,
    );
    op('Sub', [p, step], `${p}_next`);
  }

  const scalar = (name: string, value: number) => tensorProto({ name, dims: [1], floatData: [value] });
  const graph = graphProto({
    name: 'sensor_anomaly_mlp_train_step',
    nodes,
    initializers: [
      int64TensorProto({ name: 'axis0', dims: [1], int64Data: [0] }),
      scalar('beta1', ADAM.beta1),
      scalar('one_minus_beta1', 1 - ADAM.beta1),
      scalar('beta2', ADAM.beta2),
      scalar('one_minus_beta2', 1 - ADAM.beta2),
      scalar('epsilon', ADAM.epsilon),
      ...params.map((p) =>
        scalar(`lr_scale_${p}`, p.startsWith('W') ? Math.min(1, LR_REFERENCE_WIDTH / shapeOf(p)[0]!) : 1),
      ),
    ],
    inputs: [
      float('x', ['B', widths[0]!]),
      float('y', ['B', 1]),
      float('w', ['B', 1]),
      float('c1', [1]),
      float('c2', [1]),
      float('learning_rate', [1]),
      ...params.flatMap((p) => [float(p, shapeOf(p)), float(`m_${p}`, shapeOf(p)), float(`v_${p}`, shapeOf(p))]),
    ],
    outputs: [
      ...params.flatMap((p) => [
        float(`${p}_next`, shapeOf(p)),
        float(`m_${p}_next`, shapeOf(p)),
        float(`v_${p}_next`, shapeOf(p)),
      ]),
      float('p', ['B', 1]),
      ...params.map((p) => float(`grad_${p}`, shapeOf(p))),
    ],
  });
  return modelProto({ graph });
}

/** Fits the MLP with trainingGraph, batches in a seeded shuffle per epoch; returns [W1, b1, …] as trained. */
export async function fitOnOrt(o: {
  spec: WideSpec;
  initial: Float32Array[];
  z: number[][];
  labels: (0 | 1)[];
  seed: number;
  say: (m: string) => void;
}): Promise<Float32Array[]> {
  const { spec, initial, z, labels, seed, say } = o;
  const widths = [z[0]!.length, ...spec.hiddenLayers, 1];
  const params = initial.map((_, i) => (i % 2 === 0 ? `W${i / 2 + 1}` : `b${(i + 1) / 2}`));
  const dims = initial.map((_, i) => {
    const l = Math.floor(i / 2) + 1;
    return i % 2 === 0 ? [widths[l - 1]!, widths[l]!] : [widths[l]!];
  });
  const state: TensorMap = {};
  params.forEach((p, i) => {
    state[p] = fp32(initial[i]!, dims[i]!);
    state[`m_${p}`] = fp32(new Float32Array(initial[i]!.length), dims[i]!);
    state[`v_${p}`] = fp32(new Float32Array(initial[i]!.length), dims[i]!);
  });
  const positives = labels.filter((y) => y === 1).length;
  // 'balanced', as the tfjs MLP weighs its classes.
  const classWeight = [labels.length / (2 * (labels.length - positives)), labels.length / (2 * positives)];
  // The graph's leading outputs, in its order (see trainingGraph on why that matters).
  const outputs = [...Object.keys(state).map((k) => `${k}_next`), 'p'];

  const graph = await mkdtemp(join(tmpdir(), 'meridian-train-'));
  const runtime = await loadOnnx(graph, trainingGraph({ widths }));
  try {
    const random = mulberry32(seed);
    const order = labels.map((_, i) => i);
    let step = 0;
    const steps = spec.epochs * Math.ceil(order.length / spec.batchSize);
    const started = Date.now();
    for (let epoch = 1; epoch <= spec.epochs; epoch++) {
      shuffleInPlace(order, random);
      let loss = 0;
      for (let start = 0; start < order.length; start += spec.batchSize) {
        const batch = order.slice(start, start + spec.batchSize);
        const x = Float32Array.from(batch.flatMap((i) => z[i]!));
        const y = Float32Array.from(batch, (i) => labels[i]!);
        const w = Float32Array.from(batch, (i) => classWeight[labels[i]!]! / batch.length);
        step++;
        const out = await runtime.run(
          {
            ...state,
            x: fp32(x, [batch.length, widths[0]!]),
            y: fp32(y, [batch.length, 1]),
            w: fp32(w, [batch.length, 1]),
            c1: fp32(Float32Array.of(1 / (1 - ADAM.beta1 ** step)), [1]),
            c2: fp32(Float32Array.of(1 / (1 - ADAM.beta2 ** step)), [1]),
            learning_rate: fp32(Float32Array.of(learningRate(spec.learningRate, step, steps)), [1]),
          },
          outputs,
        );
        for (const k of Object.keys(state)) state[k] = out[`${k}_next`]!;
        const p = out.p!.data as Float32Array;
        batch.forEach((i, r) => {
          const q = Math.min(Math.max(labels[i] === 1 ? p[r]! : 1 - p[r]!, 1e-7), 1);
          loss -= classWeight[labels[i]!]! * Math.log(q);
        });
      }
      say(
        `${spec.name}: epoch ${epoch}/${spec.epochs}, loss ${(loss / order.length).toFixed(4)}, ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    }
  } finally {
    await runtime.release();
    await rm(graph, { recursive: true, force: true });
  }
  return params.map((p) => state[p]!.data as Float32Array);
}

/**
 * Linear warm-up over the first WARMUP of the steps, then cosine decay to 0: with Adam, 8.4M
 * weights moving at full rate from the first step make the early loss spike (the positives
 * weigh ~60× the negatives), and a short run ends better when the rate anneals.
 */
function learningRate(peak: number, step: number, steps: number): number {
  const warmup = Math.max(1, Math.round(WARMUP * steps));
  if (step <= warmup) return (peak * step) / warmup;
  return (peak * (1 + Math.cos((Math.PI * (step - warmup)) / Math.max(1, steps - warmup)))) / 2;
}

export const WARMUP = 0.1;

/** Scores each set of readings with the exported artifact itself, as the inference app will run it. */
export async function scoreOnnx(artifact: Uint8Array, sets: SensorReading[][]): Promise<number[][]> {
  const dir = await mkdtemp(join(tmpdir(), 'meridian-score-'));
  const runtime = await loadOnnx(dir, artifact);
  try {
    const scored: number[][] = [];
    for (const readings of sets) {
      const scores: number[] = [];
      for (let start = 0; start < readings.length; start += 1024) {
        const chunk = readings.slice(start, start + 1024);
        const out = await runtime.run(
          {
            humidity: fp32(
              Float32Array.from(chunk, (r) => r.humidity),
              [chunk.length],
            ),
            temperature: fp32(
              Float32Array.from(chunk, (r) => r.temperature),
              [chunk.length],
            ),
          },
          [SENSOR_ANOMALY_OUTPUT],
        );
        scores.push(...(out[SENSOR_ANOMALY_OUTPUT]!.data as Float32Array));
      }
      scored.push(scores);
    }
    return scored;
  } finally {
    await runtime.release();
    await rm(dir, { recursive: true, force: true });
  }
}

/** ORT as the inference app configures it, with every core: training and scoring are batch work. */
async function loadOnnx(dir: string, bytes: Uint8Array) {
  const artifactPath = join(dir, 'model.onnx');
  await writeFile(artifactPath, bytes);
  // The ONNX runtime reads only the artifact; the card is required by the interface.
  const metadata: ModelMetadata = {
    name: 'scratch',
    version: '1',
    platform: 'onnx',
    inputs: [],
    outputs: [],
    created_at: '',
  };
  return runtimeFor('onnx').load({ artifactPath, metadata, threads: availableParallelism() });
}

function fp32(data: Float32Array, dims: number[]) {
  return { datatype: 'FP32' as const, dims, data };
}
