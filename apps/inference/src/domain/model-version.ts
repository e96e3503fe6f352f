import type { ModelPolicy, TensorMetadata } from '@meridian/contracts';
import type { ModelMetadata } from '@meridian/ml';
import type { ModelRuntime, TensorMap } from './ports.ts';
import { Batcher } from './batcher.ts';

/**
 * One loaded version of a model: its runtime behind a batcher, and a count
 * of requests in flight so that unloading waits for them instead of
 * dropping them.
 */
export class ModelVersion {
  readonly batcher: Batcher;
  private inFlight = 0;
  private drained: (() => void) | undefined;

  constructor(
    readonly opts: {
      name: string;
      version: string;
      metadata: ModelMetadata;
      oipPlatform: string;
      runtime: ModelRuntime;
      policy: () => ModelPolicy;
      onBatch?: (rows: number) => void;
    },
  ) {
    const outputNames = opts.metadata.outputs.map((o) => o.name);
    this.batcher = new Batcher({
      run: (inputs) => opts.runtime.run(inputs, outputNames),
      policy: () => opts.policy().batching,
      ...(opts.onBatch ? { onBatch: opts.onBatch } : {}),
    });
  }

  get name(): string {
    return this.opts.name;
  }
  get version(): string {
    return this.opts.version;
  }
  get metadata(): ModelMetadata {
    return this.opts.metadata;
  }
  get inputs(): TensorMetadata[] {
    return this.opts.metadata.inputs;
  }
  get outputs(): TensorMetadata[] {
    return this.opts.metadata.outputs;
  }

  async predict(inputs: TensorMap, rows: number, deadlineAt: number): Promise<TensorMap> {
    this.inFlight += 1;
    try {
      return await this.batcher.submit(inputs, rows, deadlineAt);
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) this.drained?.();
    }
  }

  /** One inference on zeros, so the first real request does not pay for lazy initialisation. */
  async warmUp(): Promise<void> {
    const zero = (t: TensorMetadata) => {
      const dims = t.shape.map((d) => (d === -1 ? 1 : d));
      const size = dims.reduce((a, b) => a * b, 1);
      if (t.datatype === 'BYTES')
        return { datatype: 'BYTES' as const, dims, data: Array.from({ length: size }, () => '') };
      if (t.datatype === 'INT64') return { datatype: 'INT64' as const, dims, data: new BigInt64Array(size) };
      return { datatype: 'FP32' as const, dims, data: new Float32Array(size) };
    };
    await this.opts.runtime.run(
      Object.fromEntries(this.inputs.map((i) => [i.name, zero(i)])),
      this.outputs.map((o) => o.name),
    );
  }

  /** Waits for in-flight requests, then frees the runtime. */
  async retire(): Promise<void> {
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await this.opts.runtime.release();
  }
}
