import { describe, expect, it } from 'vitest';
import { Topics } from '@meridian/contracts';
import { MemoryPublisher } from '../testing/fakes.ts';
import { MASKED, PredictionLog, maskInputs, maskPredictionEvent } from './prediction-log.ts';

describe('maskInputs', () => {
  it('when an input is listed as PII, then every value of it is masked and the others are kept', () => {
    expect(maskInputs({ email: ['a@b.c', 'd@e.f'], temperature: [20, 21] }, ['email'])).toEqual({
      email: [MASKED, MASKED],
      temperature: [20, 21],
    });
  });

  it('when a BYTES input that is not listed holds PII in free text, then only the detected part is masked', () => {
    expect(
      maskInputs(
        {
          text: ['mail ada@example.com or call 0612345678', 'fine'],
          ts: ['2024-03-01T10:00:00Z'],
          pressure: [1013.25],
        },
        [],
      ),
    ).toEqual({ text: ['mail [email] or call [phone]', 'fine'], ts: ['2024-03-01T10:00:00Z'], pressure: [1013.25] });
  });

  it('when an input name only looks like PII, then its values are kept: only the policy decides by name', () => {
    expect(maskInputs({ phone_rate: [0.5], card: [3] }, [])).toEqual({ phone_rate: [0.5], card: [3] });
  });
});

describe('maskPredictionEvent', () => {
  const event = {
    id: 'p1',
    model: 'm',
    version: '1',
    input_hash: 'h',
    rows: 1,
    latency_ms: 2,
    ts: new Date(0).toISOString(),
    inputs: { email: ['ada@example.com'], text: ['card 4111 1111 1111 1111'] },
    outputs: { reply: ['write to grace@example.com'], score: [0.9] },
    shadow: { version: '2', outputs: { reply: ['call +44 20 7946 0958'], score: [0.8] } },
    protected: { group: ['a@b.co'] },
    records: { keys: ['7@1709287200000#1'], received_at: [1709287200000] },
  };

  it('when an event is masked, then inputs, outputs, shadow outputs and protected values are, and ids and record keys are kept', () => {
    const before = structuredClone(event);
    expect(maskPredictionEvent(event, ['email'])).toEqual({
      ...event,
      inputs: { email: [MASKED], text: ['card [card]'] },
      outputs: { reply: ['write to [email]'], score: [0.9] },
      shadow: { version: '2', outputs: { reply: ['call [phone]'], score: [0.8] } },
      protected: { group: ['[email]'] },
    });
    expect(event).toEqual(before);
  });

  it('when a sampled event is published, then it leaves masked', () => {
    const publisher = new MemoryPublisher();
    new PredictionLog({ publisher, random: () => 0 }).record(() => event, { sample_rate: 1, pii_inputs: ['email'] });
    expect(publisher.sent).toHaveLength(1);
    expect(JSON.stringify(publisher.sent)).not.toMatch(/example\.com|4111|7946|a@b\.co/);
  });
});

describe('PredictionLog.recordError', () => {
  const failure = {
    id: 'r1',
    model: 'm',
    version: '1',
    rows: 3,
    latency_ms: 4,
    error: 'INTERNAL',
    ts: new Date(0).toISOString(),
  };
  const capture = (random: number) => {
    const publisher = new MemoryPublisher();
    return { published: publisher.sent, log: new PredictionLog({ publisher, random: () => random }) };
  };

  it('when a request fails, then its error event goes to the prediction-errors topic, not predictions', () => {
    const { published, log } = capture(0);
    log.recordError(failure, { sample_rate: 1 });
    expect(published).toEqual([{ topic: Topics.predictionErrors, data: failure }]);
  });

  it('when the model is sampled, then failures are sampled alike (the error rate stays unbiased)', () => {
    const { published, log } = capture(0.5);
    log.recordError(failure, { sample_rate: 0.25 });
    expect(published).toEqual([]);
  });
});
