import { InferenceSession, Tensor } from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { predictProba } from '../logistic-regression.ts';
import { KS_DRIFT_P_VALUE, PSI_DRIFT_THRESHOLD, ksStatistic, psi } from '../monitoring/drift.ts';
import { SENSOR_ANOMALY_OUTPUT, SENSOR_ANOMALY_TRAINING_PARAMS } from './sensor-anomaly.ts';
import { datasetHash, loadSensorReadings } from './sensor-data.ts';
import { SENSOR_ANOMALY_WINDOWED_PARAMS, trainSensorAnomalyWindowed } from './sensor-windows-train.ts';
import type { SensorAnomalyWindowed } from './sensor-windows-train.ts';
import { windowFeatureNames, windowFeatures, windowedRows } from './sensor-windows.ts';
import { heldOutWindows } from './sensor-held-out.ts';
import type { WindowedRow } from './sensor-windows.ts';
import { stratifiedSplit } from '../split.ts';

const now = (): Date => new Date('2025-01-02T03:04:05.000Z');
let trained: SensorAnomalyWindowed;
let heldOut: WindowedRow[];

beforeAll(() => {
  trained = trainSensorAnomalyWindowed({ version: '2', now });
  const { seed, testFraction } = SENSOR_ANOMALY_TRAINING_PARAMS;
  heldOut = stratifiedSplit(windowedRows(trained.spec, loadSensorReadings()), {
    seed,
    testFraction,
    label: (r) => r.reading.label,
  }).test;
});

describe('trainSensorAnomalyWindowed', () => {
  it('when trained with defaults, then the spec is the documented window over mean, std and delta', () => {
    expect(trained.spec).toEqual({
      kind: 'sensor-window',
      version: 1,
      window: SENSOR_ANOMALY_WINDOWED_PARAMS.window,
      features: ['mean', 'std', 'delta'],
    });
    expect(trained.model.featureNames).toEqual(windowFeatureNames(trained.spec));
  });

  it('when the ONNX export runs in onnxruntime on every held-out row, then it matches the TypeScript model', async () => {
    const session = await InferenceSession.create(trained.onnx);
    const names = windowFeatureNames(trained.spec);
    expect(session.inputNames).toEqual(names);
    expect(session.outputNames).toEqual([SENSOR_ANOMALY_OUTPUT]);
    const feeds = Object.fromEntries(
      names.map((name, j) => [
        name,
        new Tensor('float32', Float32Array.from(heldOut.map((r) => r.features[j]!)), [heldOut.length]),
      ]),
    );
    const ort = (await session.run(feeds))[SENSOR_ANOMALY_OUTPUT]!.data as Float32Array;
    const ts = predictProba(
      trained.model,
      heldOut.map((r) => r.features),
    );

    expect(ort).toHaveLength(heldOut.length);
    expect(ts.reduce((max, p, i) => Math.max(max, Math.abs(p - ort[i]!)), 0)).toBeLessThan(1e-5);
    const decisionsDiffer = ts.filter((p, i) => p >= trained.threshold !== ort[i]! >= trained.threshold);
    expect(decisionsDiffer).toEqual([]);
  });

  it('when evaluated on the baseline split, then it is scored on the same held-out rows and keeps its ROC-AUC', () => {
    const { test } = trained.metrics;
    expect(test.support).toEqual({ positive: 37, negative: 4691 });
    // A floor just under today's held-out figure (training is deterministic), so a regression fails here.
    expect(test.rocAuc).toBeGreaterThan(0.98); // measured 0.9996
    expect(trained.threshold).toBeGreaterThan(0);
    expect(trained.threshold).toBeLessThan(1);
  });

  it('when trained, then the metadata describes an ONNX model whose inputs are the spec features', () => {
    const names = windowFeatureNames(trained.spec);
    expect(trained.metadata).toMatchObject({
      name: 'sensor-anomaly-windowed',
      version: '2',
      platform: 'onnx',
      inputs: names.map((name) => ({ name, datatype: 'FP32', shape: [-1] })),
      outputs: [{ name: SENSOR_ANOMALY_OUTPUT, datatype: 'FP32', shape: [-1] }],
      threshold: trained.threshold,
      dataset: { rows: 18914, test_rows: heldOut.length, hash: datasetHash(loadSensorReadings()) },
      params: { transform: trained.spec, features: names, seed: 42 },
      explainer: { kind: 'logistic', output: SENSOR_ANOMALY_OUTPUT, products: {} },
      created_at: '2025-01-02T03:04:05.000Z',
    });
    expect(trained.metadata.metrics).toEqual(trained.metrics.test);
    expect(Object.keys(trained.metadata.baseline ?? {})).toEqual(names);
  });

  it('when trained, then the card holds the training distribution of every input and of the score, the window statistics over full windows only', () => {
    const names = windowFeatureNames(trained.spec);
    const reference = trained.metadata.reference!;
    expect(Object.keys(reference)).toEqual([...names, SENSOR_ANOMALY_OUTPUT]);
    const trainRows = 18914 - heldOut.length;
    expect([reference.humidity!.count, reference.humidity!.population]).toEqual([trainRows, undefined]);
    // Each of the four motes' first five readings has a short window.
    const full = stratifiedSplit(windowedRows(trained.spec, loadSensorReadings()), {
      seed: 42,
      testFraction: 0.25,
      label: (r) => r.reading.label,
    }).train.filter((r) => r.fullWindow).length;
    expect(full).toBeGreaterThan(trainRows - 20);
    for (const name of [...names.slice(2), SENSOR_ANOMALY_OUTPUT])
      expect([name, reference[name]!.count, reference[name]!.population]).toEqual([name, full, 'full-window']);
    // Held-out rows with full windows, spread over the split, are what the reference describes.
    const spread = heldOut
      .filter((r) => r.fullWindow && r.reading.label === 0)
      .filter((_, i, all) => i % Math.floor(all.length / 300) === 0)
      .slice(0, 300);
    const scores = predictProba(
      trained.model,
      spread.map((r) => r.features),
    );
    for (const [j, name] of [...names, SENSOR_ANOMALY_OUTPUT].entries()) {
      const values = name === SENSOR_ANOMALY_OUTPUT ? scores : spread.map((r) => r.features[j]!);
      expect([
        name,
        psi({ reference: reference[name]!, current: values }) < PSI_DRIFT_THRESHOLD,
        ksStatistic(reference[name]!, values).pValue >= KS_DRIFT_P_VALUE,
      ]).toEqual([name, true, true]);
    }
  });

  it('when another window is asked for, then the spec, input names and model follow it', async () => {
    const other = trainSensorAnomalyWindowed({ window: 20, now });
    expect(other.spec.window).toBe(20);
    expect(other.model.featureNames).toContain('humidity_std_w20');
    expect((await InferenceSession.create(other.onnx)).inputNames).toEqual(windowFeatureNames(other.spec));
    expect(other.model.weights).not.toEqual(trained.model.weights);
  });

  it('when trained twice, then the model and artifact are byte-identical', () => {
    const again = trainSensorAnomalyWindowed({ version: '2', now });
    expect(again.model).toEqual(trained.model);
    expect(Buffer.from(again.onnx).equals(Buffer.from(trained.onnx))).toBe(true);
  });
});

describe('heldOutWindows', () => {
  it('when held-out readings are replayed with their past, then each gets exactly the features it was evaluated on', () => {
    const windows = heldOutWindows(trained.spec);
    const fullHeldOut = heldOut.filter((r) => r.fullWindow);
    expect(windows).toHaveLength(fullHeldOut.length);
    for (const k of [0, 1000, windows.length - 1]) {
      const { reading, past } = windows[k]!;
      expect(reading).toEqual(fullHeldOut[k]!.reading);
      expect(past.map((r) => [r.moteId, r.reading])).toEqual(
        Array.from({ length: 5 }, (_, i) => [reading.moteId, reading.reading - 5 + i]),
      );
      expect(windowFeatures(trained.spec, past, reading)).toEqual(fullHeldOut[k]!.features);
    }
  });
});
