import { z } from 'zod';
import { Alert } from './monitor.ts';
import { RunStatus } from './training.ts';

/**
 * The gateway's live stream for the web console (`GET /v1/events`, server-sent
 * events): each message is `event: <type>` and `data: <json>` of the type's
 * schema below; `: heartbeat` comments keep idle connections open.
 */
export const ConsoleEventType = z.enum(['alert', 'predictions', 'run']);
export type ConsoleEventType = z.infer<typeof ConsoleEventType>;

/** Predictions logged so far by the monitor, in all and per model. */
export const ConsolePredictions = z.object({
  total: z.number().int().nonnegative(),
  per_model: z.record(z.string(), z.number().int().nonnegative()),
});
export type ConsolePredictions = z.infer<typeof ConsolePredictions>;

/** The `data` schema of each event type: a new alert, the prediction counts, a run whose state changed. */
export const ConsoleEventData = {
  alert: Alert,
  predictions: ConsolePredictions,
  run: RunStatus,
} as const satisfies Record<ConsoleEventType, z.ZodType>;

export type ConsoleEvent = {
  [K in ConsoleEventType]: { event: K; data: z.infer<(typeof ConsoleEventData)[K]> };
}[ConsoleEventType];
