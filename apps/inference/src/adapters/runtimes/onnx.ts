import * as ort from 'onnxruntime-node';
import type { ModelRuntime, RuntimeFactory, Tensor, TensorMap } from '../../domain/ports.ts';

const ORT_TYPE = { FP32: 'float32', INT64: 'int64', BYTES: 'string' } as const;
const OIP_TYPE: Record<string, Tensor['datatype']> = { float32: 'FP32', int64: 'INT64', string: 'BYTES' };

function toOrt(t: Tensor): ort.Tensor {
  return new ort.Tensor(ORT_TYPE[t.datatype], t.data as never, t.dims);
}

function fromOrt(name: string, t: ort.Tensor): Tensor {
  const datatype = OIP_TYPE[t.type];
  if (!datatype) throw new Error(`output ${name} has unsupported type ${t.type}`);
  return { datatype, dims: [...t.dims], data: t.data as Tensor['data'] };
}

/**
 * ONNX Runtime on CPU, tuned for many small requests on a small machine:
 * full graph optimisation, a fixed intra-op pool, sequential execution
 * (our graphs are chains, so parallel execution only adds scheduling).
 */
export const onnxRuntime: RuntimeFactory = {
  platform: 'onnx',
  oipPlatform: 'onnxruntime_onnx',
  async load({ artifactPath, threads }): Promise<ModelRuntime> {
    const session = await ort.InferenceSession.create(artifactPath, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      enableCpuMemArena: true,
    });
    return {
      async run(inputs: TensorMap, outputNames) {
        const feeds: Record<string, ort.Tensor> = {};
        for (const [name, t] of Object.entries(inputs)) feeds[name] = toOrt(t);
        const result = await session.run(feeds, [...outputNames]);
        const out: TensorMap = {};
        for (const name of outputNames) {
          const t = result[name];
          if (!t) throw new Error(`model did not produce output ${name}`);
          out[name] = fromOrt(name, t);
        }
        return out;
      },
      release: () => session.release(),
    };
  },
};
