import { PredictionErrorEvent, PredictionEvent, Topics } from '@meridian/contracts';
import { rootLogger, type DaprClient } from '@meridian/service-kit';

export const MASKED = '[masked]';

/** Replaces the values of PII inputs, so they never reach the log or the broker. */
export function maskInputs(inputs: PredictionEvent['inputs'], pii: readonly string[]): PredictionEvent['inputs'] {
  return Object.fromEntries(Object.entries(inputs).map(([name, values]) => [name, pii.includes(name) ? values.map(() => MASKED) : values]));
}

/**
 * Publishes prediction events (the monitor's raw material), sampled per
 * model. Publishing happens off the request path; an event that cannot be
 * published is logged, never allowed to fail the prediction.
 */
export class PredictionLog {
  constructor(private readonly opts: { dapr: DaprClient; pubsub: string; random?: () => number }) {}

  /**
   * Publishes now, whatever the sample rate, and fails when the broker does
   * not take it: for callers (streaming scoring) whose rows must all reach
   * the monitor, and who retry on failure.
   */
  async recordRequired(event: PredictionEvent, policy: { pii_inputs: string[] }): Promise<void> {
    const data = PredictionEvent.parse({ ...event, inputs: maskInputs(event.inputs, policy.pii_inputs) });
    await this.opts.dapr.publish({ pubsub: this.opts.pubsub, topic: Topics.predictions, data });
  }

  record(event: PredictionEvent, policy: { sample_rate: number; pii_inputs: string[] }): void {
    if ((this.opts.random ?? Math.random)() >= policy.sample_rate) return;
    const data = PredictionEvent.parse({ ...event, inputs: maskInputs(event.inputs, policy.pii_inputs) });
    this.opts.dapr
      .publish({ pubsub: this.opts.pubsub, topic: Topics.predictions, data })
      .catch((err: unknown) => rootLogger().warn({ err: (err as Error).message, prediction_id: event.id }, 'prediction event not published'));
  }

  /** A request that failed without an answer; sampled like predictions, so the monitor's error rate stays unbiased. */
  recordError(event: PredictionErrorEvent, policy: { sample_rate: number }): void {
    if ((this.opts.random ?? Math.random)() >= policy.sample_rate) return;
    this.opts.dapr
      .publish({ pubsub: this.opts.pubsub, topic: Topics.predictionErrors, data: PredictionErrorEvent.parse(event) })
      .catch((err: unknown) => rootLogger().warn({ err: (err as Error).message, prediction_id: event.id }, 'prediction error event not published'));
  }
}
