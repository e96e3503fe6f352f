import { z } from 'zod';
import { Alert, PredictionCounts, RunList, type RunStatus } from '@meridian/contracts';
import { callApp, type InvokePort } from '@meridian/service-kit';
import type { EventSources } from '../domain/ports.ts';

/** Runs the stream watches: the latest few, each read from its workflow at every poll. */
export const WATCHED_RUNS = 20;
const TIMEOUT_MS = 5000;

/**
 * The event stream's sources through Dapr service invocation, as the
 * gateway itself (no caller's subject): the same operations as the routes
 * `monitor.alerts`, `monitor.predictions` and `training.runs`, which
 * apps/apps.json already lets the gateway call (dapr-event-sources.test.ts
 * checks they stay routes of the table).
 */
export class DaprEventSources implements EventSources {
  constructor(private readonly o: { dapr: InvokePort; runs?: number }) {}

  alerts(): Promise<Alert[]> {
    return callApp(this.o.dapr, {
      appId: 'monitor',
      method: 'v1/monitor/alerts',
      schema: z.array(Alert),
      timeoutMs: TIMEOUT_MS,
      what: 'reading alerts for the event stream',
    });
  }

  predictions(): Promise<PredictionCounts> {
    return callApp(this.o.dapr, {
      appId: 'monitor',
      method: 'v1/monitor/predictions',
      schema: PredictionCounts,
      timeoutMs: TIMEOUT_MS,
      what: 'reading prediction counts for the event stream',
    });
  }

  async runs(): Promise<RunStatus[]> {
    const list = await callApp(this.o.dapr, {
      appId: 'training',
      method: 'v1/training/runs',
      query: { limit: this.o.runs ?? WATCHED_RUNS },
      schema: RunList,
      timeoutMs: TIMEOUT_MS,
      what: 'reading training runs for the event stream',
    });
    return list.runs;
  }
}
