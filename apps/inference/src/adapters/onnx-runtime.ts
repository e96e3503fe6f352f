import * as ort from 'onnxruntime-node';
import type { TensorMetadata } from '@meridian/contracts';

export interface Feeds {
  [name: string]: { data: Float32Array; dims: number[] };
}
export interface Fetches {
  [name: string]: { data: Float32Array; dims: number[] };
}

/** A loaded ONNX model. Session options favour latency on a small CPU. */
export class OnnxModel {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async load(opts: { path: string; intraOpThreads: number }): Promise<OnnxModel> {
    const session = await ort.InferenceSession.create(opts.path, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: opts.intraOpThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
    });
    return new OnnxModel(session);
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  async run(feeds: Feeds, outputs: TensorMetadata[]): Promise<Fetches> {
    const tensors: Record<string, ort.Tensor> = {};
    for (const [name, f] of Object.entries(feeds)) tensors[name] = new ort.Tensor('float32', f.data, f.dims);
    const result = await this.session.run(tensors, outputs.map((o) => o.name));
    const fetches: Fetches = {};
    for (const o of outputs) {
      const t = result[o.name];
      if (!t) throw new Error(`model did not produce output ${o.name}`);
      fetches[o.name] = { data: t.data as Float32Array, dims: [...t.dims] };
    }
    return fetches;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
