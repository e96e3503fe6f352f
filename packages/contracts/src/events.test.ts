import { describe, expect, it } from 'vitest';
import { Label, LabelBatch, PredictionErrorEvent, PredictionEvent, rowPredictionId } from './events.ts';

const prediction = {
  id: 'p-1',
  model: 'sensor-anomaly',
  version: '3',
  input_hash: 'abc',
  inputs: { humidity: [41.5, 40], temperature: [23.25, 22] },
  outputs: { anomaly_probability: [0.1, 0.9] },
  rows: 2,
  latency_ms: 4.2,
  ts: '2026-11-29T06:00:00.000Z',
};

describe('PredictionEvent', () => {
  it('when an answer is logged with only the required fields, then it parses as sent', () => {
    expect(PredictionEvent.parse(prediction)).toEqual(prediction);
  });

  it('when a stream row is logged with its keys, protected attributes, shadow and route, then every one is kept', () => {
    const full = {
      ...prediction,
      threshold: 0.5,
      route: 'canary',
      cached: false,
      trace_id: 't',
      protected: { sex: ['F', 'M'] },
      shadow: { version: '4', outputs: { anomaly_probability: [0.2, 0.8] } },
      records: { keys: ['mote-1@1#1', 'mote-1@1#2'], received_at: [1, 2] },
    };
    expect(PredictionEvent.parse(full)).toEqual(full);
  });

  it('when a field is missing or out of range, then the event is refused naming that field', () => {
    const issues = (event: unknown) => PredictionEvent.safeParse(event).error?.issues.map((i) => i.path.join('.'));
    expect(issues({ ...prediction, rows: 0 })).toEqual(['rows']);
    expect(issues({ ...prediction, latency_ms: -1 })).toEqual(['latency_ms']);
    expect(issues({ ...prediction, ts: 'yesterday' })).toEqual(['ts']);
    expect(issues({ ...prediction, id: '' })).toEqual(['id']);
    expect(issues({ ...prediction, outputs: { p: [{}] } })).toEqual(['outputs.p.0']);
  });
});

describe('PredictionErrorEvent', () => {
  it('when a request could not be answered, then the event carries the error code, and none without one', () => {
    const failed = {
      id: 'p-2',
      model: 'm',
      version: '1',
      rows: 1,
      latency_ms: 30,
      error: 'DEADLINE_EXCEEDED',
      ts: '2026-11-29T06:00:00Z',
    };
    expect(PredictionErrorEvent.parse(failed)).toEqual(failed);
    expect(PredictionErrorEvent.safeParse({ ...failed, error: '' }).success).toBe(false);
  });
});

describe('Label', () => {
  it('when a label is given as a boolean or 0/1, then it reads as 0 or 1, and anything else is refused', () => {
    expect(
      [true, false, 1, 0].map((label) => Label.parse({ prediction_id: rowPredictionId('p-1', 0), label }).label),
    ).toEqual([1, 0, 1, 0]);
    expect(Label.safeParse({ prediction_id: 'p-1:0', label: 2 }).success).toBe(false);
    expect(rowPredictionId('p-1', 3)).toBe('p-1:3');
  });

  it('when a batch is empty or longer than 10 000, then it is refused', () => {
    const label = { prediction_id: 'p-1:0', label: 1 };
    expect(LabelBatch.safeParse([]).success).toBe(false);
    expect(LabelBatch.safeParse(Array.from({ length: 10_001 }, () => label)).success).toBe(false);
    expect(LabelBatch.parse([label])).toEqual([label]);
  });
});
