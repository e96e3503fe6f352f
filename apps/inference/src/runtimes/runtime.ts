import type { ModelMetadata } from '@meridian/ml';

/** Tensor element types the runtimes exchange (OIP datatypes FP32, INT64, BYTES). */
export type TensorData = Float32Array | BigInt64Array | string[];

export interface Tensor {
  datatype: 'FP32' | 'INT64' | 'BYTES';
  /** Row-major dimensions; dims[0] is the batch. */
  dims: number[];
  data: TensorData;
}

export type TensorMap = Record<string, Tensor>;

/** A loaded model version, whatever executes it. */
export interface ModelRuntime {
  /** Runs a batch; returns exactly the outputs asked for. */
  run(inputs: TensorMap, outputNames: readonly string[]): Promise<TensorMap>;
  release(): Promise<void>;
}

export interface RuntimeLoadOptions {
  artifactPath: string;
  metadata: ModelMetadata;
  /** Intra-op threads for runtimes that have a thread pool. */
  threads: number;
}

/** One file per runtime exports one of these; runtimes/index.ts lists them. */
export interface RuntimeFactory {
  /** ModelMetadata.platform this runtime serves. */
  platform: ModelMetadata['platform'];
  /** Name reported as the model's platform in OIP metadata. */
  oipPlatform: string;
  load(options: RuntimeLoadOptions): Promise<ModelRuntime>;
}
