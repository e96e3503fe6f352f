import { Counter, Histogram } from 'prom-client';
import type { DeliveryResult } from '../subscriptions.ts';
import { family, type MetricsRegistry } from './registry.ts';

/** What a subscription records; every method is a no-op when the app has no registry. */
export interface DeliveryRecorder {
  /** `count` deliveries of `topic` answered `outcome` (a bulk delivery counts each entry). */
  answered(o: { topic: string; outcome: DeliveryResult; count?: number }): void;
  /** Now minus the CloudEvent's `time`, when the event has one. */
  arrived(o: { topic: string; event: unknown }): void;
  /** How long the handler took (one observation per handler call, a bulk call included). */
  handled(o: { topic: string; seconds: number }): void;
}

const OUTCOMES: Record<DeliveryResult, string> = { SUCCESS: 'success', RETRY: 'retry', DROP: 'drop' };
const SECONDS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600];

export function pubsubMetrics(registry: MetricsRegistry) {
  return {
    deliveries: family(
      registry,
      'meridian_pubsub_deliveries_total',
      (registers) =>
        new Counter({
          name: 'meridian_pubsub_deliveries_total',
          help: 'Messages delivered to the app by its sidecar, by what the app answered (success, retry, drop)',
          labelNames: ['topic', 'outcome'] as const,
          registers,
        }),
    ),
    lag: family(
      registry,
      'meridian_pubsub_delivery_lag_seconds',
      (registers) =>
        new Histogram({
          name: 'meridian_pubsub_delivery_lag_seconds',
          help: 'From the CloudEvent time (its publish) to its delivery to the app, redeliveries included',
          labelNames: ['topic'] as const,
          buckets: SECONDS,
          registers,
        }),
    ),
    handler: family(
      registry,
      'meridian_pubsub_handler_duration_seconds',
      (registers) =>
        new Histogram({
          name: 'meridian_pubsub_handler_duration_seconds',
          help: 'Time in the subscription handler per call (a bulk call is one observation)',
          labelNames: ['topic'] as const,
          buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
          registers,
        }),
    ),
  };
}

/** Messages sent to a dead-letter topic, by the topic they were meant for. */
export function deadLetters(registry: MetricsRegistry): Counter<'topic'> {
  return family(
    registry,
    'meridian_pubsub_dead_letters_total',
    (registers) =>
      new Counter({
        name: 'meridian_pubsub_dead_letters_total',
        help: 'Messages dead-lettered (published to <topic>.dead-letter), by the topic they were meant for',
        labelNames: ['topic'] as const,
        registers,
      }),
  );
}

function eventTime(event: unknown): number | undefined {
  const time = event && typeof event === 'object' ? (event as { time?: unknown }).time : undefined;
  if (typeof time !== 'string') return undefined;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? undefined : ms;
}

const NONE: DeliveryRecorder = { answered() {}, arrived() {}, handled() {} };

export function deliveryRecorder(registry: MetricsRegistry | undefined): DeliveryRecorder {
  if (!registry) return NONE;
  const m = pubsubMetrics(registry);
  return {
    answered: ({ topic, outcome, count = 1 }) => {
      if (count > 0) m.deliveries.inc({ topic, outcome: OUTCOMES[outcome] }, count);
    },
    arrived: ({ topic, event }) => {
      const sent = eventTime(event);
      // Clocks of publisher and subscriber differ a little: a message is never early.
      if (sent !== undefined) m.lag.observe({ topic }, Math.max(0, (Date.now() - sent) / 1000));
    },
    handled: ({ topic, seconds }) => m.handler.observe({ topic }, seconds),
  };
}
