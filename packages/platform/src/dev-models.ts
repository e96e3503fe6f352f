import { join } from 'node:path';
import {
  SENSOR_ANOMALY_WINDOWED_MODEL_NAME,
  listModelVersions,
  trainSensorAnomalyBaseline,
  trainSensorAnomalyWindowed,
  writeModelVersion,
} from '@meridian/ml';

/** Trained once per process: a test file seeds many platforms' repositories with the same models. */
let baseline: ReturnType<typeof trainSensorAnomalyBaseline> | undefined;
let windowed: ReturnType<typeof trainSensorAnomalyWindowed> | undefined;

/** The skeleton's sensor-anomaly model, trained once per process; for copies under other names too. */
export function devBaseline(): ReturnType<typeof trainSensorAnomalyBaseline> {
  baseline ??= trainSensorAnomalyBaseline();
  return baseline;
}

/**
 * Seeds the model repository with the skeleton's sensor-anomaly model when
 * it holds none: a logistic regression fit on the Suthaharan sensor data
 * (a fraction of a second), exported to ONNX.
 */
export async function ensureDevModels(dataDir: string): Promise<string> {
  const repository = join(dataDir, 'models');
  if ((await listModelVersions({ repository, name: 'sensor-anomaly' })).length > 0) return repository;
  const trained = devBaseline();
  await writeModelVersion({
    repository,
    name: 'sensor-anomaly',
    version: '1',
    artifact: trained.onnx,
    metadata: { ...trained.metadata, version: '1' },
  });
  return repository;
}

/** Adds the windowed sensor model (what the features app scores readings on) to a repository that has none. */
export async function ensureWindowedModel(repository: string): Promise<void> {
  const name = SENSOR_ANOMALY_WINDOWED_MODEL_NAME;
  if ((await listModelVersions({ repository, name })).length > 0) return;
  windowed ??= trainSensorAnomalyWindowed();
  const trained = windowed;
  await writeModelVersion({
    repository,
    name,
    version: '1',
    artifact: trained.onnx,
    metadata: { ...trained.metadata, version: '1' },
  });
}
