import type { LayersModel, io } from '@tensorflow/tfjs';
import { loadTf } from './tf-backend.ts';

/** Conventional file name for the artifact in a model version folder (beside model.json). */
export const TFJS_ARTIFACT_FILE = 'model.tfjs.json';

// Versioned so a reader can refuse a file written in some other layout instead of misreading it.
const ARTIFACT_FORMAT = 'meridian.tfjs-layers-model.v1';

/**
 * One self-contained file: TensorFlow.js's own layout is model.json plus weight shards, but a
 * model version here is one checksummed artifact, so the weights travel inline as base64.
 */
interface TfjsArtifactFile {
  format: typeof ARTIFACT_FORMAT;
  modelTopology: NonNullable<io.ModelArtifacts['modelTopology']>;
  weightSpecs: io.WeightsManifestEntry[];
  weightData: string;
}

/** Serialises a Layers model (topology + weights; no optimizer state) to UTF-8 JSON bytes. */
export async function serializeTfjsModel(model: LayersModel): Promise<Uint8Array> {
  const { tf } = await loadTf();
  let artifacts: io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (saved) => {
      artifacts = saved;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(saved) };
    }),
  );
  if (!artifacts?.modelTopology || !artifacts.weightSpecs || artifacts.weightData === undefined) {
    throw new Error('serializeTfjsModel: the model saved no topology or weights');
  }
  const file: TfjsArtifactFile = {
    format: ARTIFACT_FORMAT,
    modelTopology: artifacts.modelTopology,
    weightSpecs: artifacts.weightSpecs,
    weightData: Buffer.from(joinWeightData(artifacts.weightData)).toString('base64'),
  };
  return new TextEncoder().encode(JSON.stringify(file));
}

/** Inverse of serializeTfjsModel; the model is built with loadTf()'s TensorFlow.js. */
export async function loadTfjsModel(bytes: Uint8Array): Promise<LayersModel> {
  const { tf } = await loadTf();
  const file = parseArtifact(bytes);
  const weights = Buffer.from(file.weightData, 'base64');
  // Copy into a fresh ArrayBuffer: a Buffer may be a view into a larger shared pool.
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: file.modelTopology, weightSpecs: file.weightSpecs, weightData }),
  );
}

function parseArtifact(bytes: Uint8Array): TfjsArtifactFile {
  let file: Partial<TfjsArtifactFile>;
  try {
    file = JSON.parse(new TextDecoder().decode(bytes)) as Partial<TfjsArtifactFile>;
  } catch (error) {
    throw new Error('loadTfjsModel: the artifact is not JSON', { cause: error });
  }
  if (file.format !== ARTIFACT_FORMAT) {
    throw new Error(`loadTfjsModel: expected format ${ARTIFACT_FORMAT}, got ${String(file.format)}`);
  }
  if (!file.modelTopology || !Array.isArray(file.weightSpecs) || typeof file.weightData !== 'string') {
    throw new Error('loadTfjsModel: the artifact lacks modelTopology, weightSpecs or weightData');
  }
  return file as TfjsArtifactFile;
}

// tfjs ≥ 4.10 may hand weights over as several buffers (large models); the file holds one.
function joinWeightData(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  const parts = (Array.isArray(data) ? data : [data]).map((part) => new Uint8Array(part));
  return Buffer.concat(parts);
}
