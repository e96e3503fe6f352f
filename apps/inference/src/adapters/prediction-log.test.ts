import { describe, expect, it } from 'vitest';
import { Topics } from '@meridian/contracts';
import type { DaprClient } from '@meridian/service-kit';
import { MASKED, PredictionLog, maskInputs } from './prediction-log.ts';

describe('maskInputs', () => {
  it('when an input is listed as PII, then every value of it is masked and the others are kept', () => {
    expect(maskInputs({ email: ['a@b.c', 'd@e.f'], temperature: [20, 21] }, ['email'])).toEqual({ email: [MASKED, MASKED], temperature: [20, 21] });
  });
});

describe('PredictionLog.recordError', () => {
  const failure = { id: 'r1', model: 'm', version: '1', rows: 3, latency_ms: 4, error: 'INTERNAL', ts: new Date(0).toISOString() };
  const capture = (random: number) => {
    const published: { topic: string; data: unknown }[] = [];
    const dapr = { publish: async (o: { topic: string; data: unknown }) => void published.push(o) } as unknown as DaprClient;
    return { published, log: new PredictionLog({ dapr, pubsub: 'pubsub', random: () => random }) };
  };

  it('when a request fails, then its error event goes to the prediction-errors topic, not predictions', () => {
    const { published, log } = capture(0);
    log.recordError(failure, { sample_rate: 1 });
    expect(published).toEqual([{ pubsub: 'pubsub', topic: Topics.predictionErrors, data: failure }]);
  });

  it('when the model is sampled, then failures are sampled alike (the error rate stays unbiased)', () => {
    const { published, log } = capture(0.5);
    log.recordError(failure, { sample_rate: 0.25 });
    expect(published).toEqual([]);
  });
});
