import type { InferInputTensor, InferOutputTensor } from '@meridian/contracts';
import type { ModelMetadata, SensorWindowSpec } from '@meridian/ml';

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

/** What executes the models of one platform (ONNX Runtime, TensorFlow.js); adapters/runtimes/ has one file each. */
export interface RuntimeFactory {
  /** ModelMetadata.platform this runtime serves. */
  platform: ModelMetadata['platform'];
  /** Name reported as the model's platform in OIP metadata. */
  oipPlatform: string;
  load(options: RuntimeLoadOptions): Promise<ModelRuntime>;
}

/** The runtime for a platform; throws when none serves it (the version then fails to load). */
export type RuntimeCatalog = (platform: ModelMetadata['platform']) => RuntimeFactory;

/** Answers kept by model, version and input hash. An optimisation: a failing store is a miss, never a failed request. */
export interface ResponseCache {
  get(o: { model: string; version: string; hash: string }): Promise<InferOutputTensor[] | undefined>;
  put(o: {
    model: string;
    version: string;
    hash: string;
    outputs: InferOutputTensor[];
    ttlSeconds: number;
  }): Promise<void>;
}

/** The broker, through the sidecar's pub/sub API. */
export interface EventPublisher {
  /**
   * Resolves once the broker took the event; rejects when it did not. `required`: a request waits for
   * it (streaming scoring), so it goes at once, never behind sampled events.
   */
  publish(o: { topic: string; data: unknown; required?: boolean }): Promise<void>;
}

/** The online feature store: model inputs computed from each entity's latest readings. */
export interface OnlineFeatures {
  /** One tensor per input name, a row per entity; NOT_FOUND names entities without features. */
  inputs(o: {
    model: string;
    spec: SensorWindowSpec;
    entities: string[];
    inputNames: string[];
  }): Promise<InferInputTensor[]>;
}
