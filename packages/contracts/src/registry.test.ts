import { describe, expect, it } from 'vitest';
import { ModelCard, RegisterVersionRequest, driftReferenceIssues } from './registry.ts';

const numeric = { kind: 'numeric', count: 100, edges: [0.5], proportions: [0.4, 0.6], sample: [0.1, 0.9] };
const card = {
  name: 'sensor-anomaly',
  platform: 'onnx',
  created_at: '2026-11-29T06:00:00Z',
  inputs: [{ name: 'humidity', datatype: 'FP32', shape: [-1] }],
  outputs: [{ name: 'anomaly_probability', datatype: 'FP32', shape: [-1] }],
};
const withReference = { ...card, reference: { humidity: numeric, anomaly_probability: numeric } };
const register = (metadata: unknown) => RegisterVersionRequest.safeParse({ artifact: 'AAEC', metadata });

describe('ModelCard with a reference', () => {
  it('when every input and output has its training distribution, then the card registers, with fields the registry does not know kept', () => {
    const parsed = ModelCard.parse({ ...withReference, fairness: { sex: {} } });
    expect(parsed).toMatchObject({ reference: { humidity: numeric }, fairness: { sex: {} } });
    expect(driftReferenceIssues(parsed)).toEqual([]);
    expect(register(withReference).success).toBe(true);
  });

  it('when a reference has one share too few for its bins, then the card is refused at that reference', () => {
    const bad = {
      ...withReference,
      reference: { ...withReference.reference, humidity: { ...numeric, proportions: [1] } },
    };
    expect(ModelCard.safeParse(bad).error?.issues[0]?.path).toEqual(['reference', 'humidity', 'proportions']);
  });

  it('when a tensor has neither a reference nor a reason, or a reference names no tensor, then registration names each', () => {
    const missing = { ...card, reference: { humidity: numeric, temperature: numeric } };
    expect(register(missing).error?.issues.map((i) => i.path.join('.'))).toEqual([
      'metadata.reference.anomaly_probability',
      'metadata.reference.temperature',
    ]);
  });

  it('when a reference counts full windows only, then the card must say which window (online_features)', () => {
    const fullWindow = {
      ...withReference,
      reference: { ...withReference.reference, anomaly_probability: { ...numeric, population: 'full-window' } },
    };
    expect(driftReferenceIssues(ModelCard.parse(fullWindow)).map((i) => i.path)).toEqual([
      ['reference', 'anomaly_probability', 'population'],
    ]);
    const windowed = {
      ...fullWindow,
      online_features: { kind: 'sensor-window', version: 1, window: 5, features: ['mean'] },
    };
    expect(driftReferenceIssues(ModelCard.parse(windowed))).toEqual([]);
  });
});

describe('ModelCard without a reference', () => {
  it('when a card has no reference and does not turn drift monitoring off, then it parses but cannot be registered', () => {
    expect(ModelCard.safeParse(card).success).toBe(true);
    expect(register(card).error?.issues.map((i) => i.path.join('.'))).toEqual(['metadata.reference']);
  });

  it('when drift monitoring is off with a reason, then no reference is needed; without a reason, the card is refused', () => {
    expect(register({ ...card, drift_monitoring: { enabled: false, reason: 'a rules engine' } }).success).toBe(true);
    expect(register({ ...card, drift_monitoring: { enabled: false, reason: ' ' } }).success).toBe(false);
  });

  it('when a tensor is left unmonitored with a reason, then the others still need their reference', () => {
    const text = {
      ...card,
      drift_monitoring: { enabled: true, unmonitored: { humidity: 'raw text' } },
      reference: { anomaly_probability: numeric },
    };
    expect(register(text).success).toBe(true);
    expect(register({ ...text, reference: {} }).error?.issues.map((i) => i.path.join('.'))).toEqual([
      'metadata.reference.anomaly_probability',
    ]);
  });
});
