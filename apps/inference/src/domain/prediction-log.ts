import { PredictionErrorEvent, PredictionEvent, Topics } from '@meridian/contracts';
import { createPiiMasker, inSpan, PII_MASK, rootLogger } from '@meridian/service-kit';
import type { EventPublisher } from './ports.ts';

export const MASKED = PII_MASK;

type Tensors = PredictionEvent['inputs'];

// Values only: built-in names stay off, as a numeric input whose name looks like PII would vanish from drift monitoring.
const detectors = createPiiMasker({ builtInNames: false });

const scan = <T>(values: T[]): T[] =>
  values.some((v) => typeof v === 'string')
    ? values.map((v) => (typeof v === 'string' ? (detectors.maskText(v) as T) : v))
    : values;
const scanAll = <T>(tensors: Record<string, T[]>): Record<string, T[]> =>
  Object.fromEntries(Object.entries(tensors).map(([name, values]) => [name, scan(values)]));

/** PII inputs lose every value, so they never reach the log or the broker; strings of the others go through the value detectors. */
export function maskInputs(inputs: Tensors, pii: readonly string[]): Tensors {
  return Object.fromEntries(
    Object.entries(inputs).map(([name, values]) => [
      name,
      pii.includes(name) ? values.map(() => MASKED) : scan(values),
    ]),
  );
}

/**
 * The event as it may leave the service: inputs masked (maskInputs), and the
 * strings of outputs, shadow outputs and protected attributes through the
 * value detectors. Ids, record keys and hashes stay: labels and the monitor
 * join on them.
 */
export function maskPredictionEvent(event: PredictionEvent, pii: readonly string[]): PredictionEvent {
  return {
    ...event,
    inputs: maskInputs(event.inputs, pii),
    outputs: scanAll(event.outputs),
    ...(event.shadow ? { shadow: { ...event.shadow, outputs: scanAll(event.shadow.outputs) } } : {}),
    ...(event.protected ? { protected: scanAll(event.protected) } : {}),
  };
}

/**
 * Publishes prediction events (the monitor's raw material), sampled per
 * model. Publishing happens off the request path; an event that cannot be
 * published is logged, never allowed to fail the prediction.
 */
export class PredictionLog {
  constructor(private readonly opts: { publisher: EventPublisher; random?: () => number }) {}

  /**
   * Publishes now, whatever the sample rate, and fails when the broker does
   * not take it: for callers (streaming scoring) whose rows must all reach
   * the monitor, and who retry on failure.
   */
  async recordRequired(event: PredictionEvent, policy: { pii_inputs: string[] }): Promise<void> {
    const data = PredictionEvent.parse(maskPredictionEvent(event, policy.pii_inputs));
    await this.publish(Topics.predictions, data, true);
  }

  /** Every event leaves through here, in a span of the request that made it (the monitor's handling continues that trace). */
  private publish(topic: string, data: unknown, required = false): Promise<void> {
    return inSpan(
      'inference.publish',
      () => this.opts.publisher.publish({ topic, data, ...(required ? { required } : {}) }),
      {
        attributes: { 'messaging.destination.name': topic },
      },
    );
  }

  /** Publishes a sample of events, off the request path; `make` builds the event only when it is sampled. */
  record(make: () => PredictionEvent, policy: { sample_rate: number; pii_inputs: string[] }): void {
    if ((this.opts.random ?? Math.random)() >= policy.sample_rate) return;
    const event = make();
    const data = PredictionEvent.parse(maskPredictionEvent(event, policy.pii_inputs));
    this.publish(Topics.predictions, data).catch((err: unknown) =>
      rootLogger().warn({ err: (err as Error).message, prediction_id: event.id }, 'prediction event not published'),
    );
  }

  /** A request that failed without an answer; sampled like predictions, so the monitor's error rate stays unbiased. */
  recordError(event: PredictionErrorEvent, policy: { sample_rate: number }): void {
    if ((this.opts.random ?? Math.random)() >= policy.sample_rate) return;
    this.publish(Topics.predictionErrors, PredictionErrorEvent.parse(event)).catch((err: unknown) =>
      rootLogger().warn(
        { err: (err as Error).message, prediction_id: event.id },
        'prediction error event not published',
      ),
    );
  }
}
