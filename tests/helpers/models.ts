import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  OnnxDataType,
  exportLogisticRegressionOnnx,
  fitLogisticRegression,
  graphProto,
  loadSensorReadings,
  modelProto,
  nodeProto,
  sensorAnomalyFeatures,
  stratifiedSplit,
  TFJS_ARTIFACT_FILE,
  trainSensorAnomalyBaseline,
  trainSensorAnomalyMlp,
  valueInfoProto,
  writeModelVersion,
  type ModelMetadata,
} from '@meridian/ml';

const created_at = new Date(0).toISOString();

/**
 * sensor-anomaly version 2: the same data and features, fit without class
 * weights, so it is a real model whose scores differ from version 1.
 */
export async function writeSensorV2(repository: string): Promise<void> {
  const base = trainSensorAnomalyBaseline();
  const { train } = stratifiedSplit(loadSensorReadings(), { testFraction: 0.25, seed: 42, label: (r) => r.label });
  const model = fitLogisticRegression({
    x: train.map(sensorAnomalyFeatures),
    y: train.map((r) => r.label),
    featureNames: base.model.featureNames,
    classWeight: 'none',
  });
  const onnx = exportLogisticRegressionOnnx(model, {
    outputName: 'anomaly_probability',
    productFeatures: { humidity_x_temperature: ['humidity', 'temperature'] },
  });
  const metadata: ModelMetadata = {
    ...base.metadata,
    version: '2',
    threshold: 0.5,
    explainer: { ...base.metadata.explainer, model },
    created_at,
  };
  await writeModelVersion({ repository, name: 'sensor-anomaly', version: '2', artifact: onnx, metadata });
}

/** A version whose artifact no longer matches its checksum. */
export async function writeCorruptVersion(repository: string, version: string): Promise<void> {
  const base = trainSensorAnomalyBaseline();
  await writeModelVersion({
    repository,
    name: 'sensor-anomaly',
    version,
    artifact: base.onnx,
    metadata: { ...base.metadata, version },
  });
  const path = join(repository, 'sensor-anomaly', version, 'model.onnx');
  const bytes = await readFile(path);
  bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
  await writeFile(path, bytes);
}

/** `tensor-types`: INT64 and BYTES in, the same out (Identity), to show those datatypes end to end. */
export async function writeTensorTypesModel(repository: string): Promise<void> {
  const graph = graphProto({
    name: 'tensor_types',
    nodes: [
      nodeProto({ opType: 'Identity', inputs: ['ids'], outputs: ['ids_out'] }),
      nodeProto({ opType: 'Identity', inputs: ['text'], outputs: ['text_out'] }),
    ],
    initializers: [],
    inputs: [
      valueInfoProto({ name: 'ids', elemType: OnnxDataType.INT64, shape: ['N'] }),
      valueInfoProto({ name: 'text', elemType: OnnxDataType.STRING, shape: ['N'] }),
    ],
    outputs: [
      valueInfoProto({ name: 'ids_out', elemType: OnnxDataType.INT64, shape: ['N'] }),
      valueInfoProto({ name: 'text_out', elemType: OnnxDataType.STRING, shape: ['N'] }),
    ],
  });
  const metadata: ModelMetadata = {
    name: 'tensor-types',
    version: '1',
    platform: 'onnx',
    created_at,
    inputs: [
      { name: 'ids', datatype: 'INT64', shape: [-1] },
      { name: 'text', datatype: 'BYTES', shape: [-1] },
    ],
    outputs: [
      { name: 'ids_out', datatype: 'INT64', shape: [-1] },
      { name: 'text_out', datatype: 'BYTES', shape: [-1] },
    ],
  };
  await writeModelVersion({
    repository,
    name: 'tensor-types',
    version: '1',
    artifact: modelProto({ graph }),
    metadata,
  });
}

/**
 * `faulty`: adds a [N] and a [N, 2] input. Broadcasting works for N = 1 (so
 * it loads and warms up) and N = 2, and fails inside ONNX Runtime for N = 3:
 * a model that throws on some requests.
 */
export async function writeFaultyModel(repository: string): Promise<void> {
  const graph = graphProto({
    name: 'faulty',
    nodes: [nodeProto({ opType: 'Add', inputs: ['a', 'b'], outputs: ['sum'] })],
    initializers: [],
    inputs: [
      valueInfoProto({ name: 'a', elemType: OnnxDataType.FLOAT, shape: ['N'] }),
      valueInfoProto({ name: 'b', elemType: OnnxDataType.FLOAT, shape: ['N', 2] }),
    ],
    outputs: [valueInfoProto({ name: 'sum', elemType: OnnxDataType.FLOAT, shape: ['N', 2] })],
  });
  const metadata: ModelMetadata = {
    name: 'faulty',
    version: '1',
    platform: 'onnx',
    created_at,
    inputs: [
      { name: 'a', datatype: 'FP32', shape: [-1] },
      { name: 'b', datatype: 'FP32', shape: [-1, 2] },
    ],
    outputs: [{ name: 'sum', datatype: 'FP32', shape: [-1, 2] }],
  };
  await writeModelVersion({ repository, name: 'faulty', version: '1', artifact: modelProto({ graph }), metadata });
}

/** sensor-anomaly as a TensorFlow.js MLP (few epochs: the test is about serving it, not its quality). */
export async function writeSensorMlp(repository: string, version: string): Promise<void> {
  const mlp = await trainSensorAnomalyMlp({ version, epochs: 5 });
  mlp.model.dispose();
  await writeModelVersion({
    repository,
    name: 'sensor-anomaly',
    version,
    artifact: mlp.artifact,
    artifactFile: TFJS_ARTIFACT_FILE,
    metadata: mlp.metadata,
  });
}
