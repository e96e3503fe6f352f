import { DriftDetectedEvent, ModelDegradedEvent, Topics } from '@meridian/contracts';
import { AppError, rootLogger, subscription, type Subscription } from '@meridian/service-kit';
import type { Runs } from '../domain/runs.ts';

/** The events that start a retraining run: drift and quality alerts of the monitor. */
export function runSubscriptions(o: { pubsub: string; runs: Pick<Runs, 'startOnce'> }): Subscription<unknown>[] {
  return [
    subscription({
      pubsub: o.pubsub,
      topic: Topics.driftDetected,
      route: '/events/drift-detected',
      schema: DriftDetectedEvent,
      // One run per drift event: redelivery finds the run already there.
      handle: async (event) => {
        await o.runs.startOnce({ model: event.model, trigger: 'drift' }, `drift-${event.id}`);
        return 'SUCCESS';
      },
    }),
    subscription({
      pubsub: o.pubsub,
      topic: Topics.modelDegraded,
      route: '/events/model-degraded',
      schema: ModelDegradedEvent,
      // One run per quality alert, named after it (the alert's run_id); a model with no trainer can never succeed.
      handle: async (event) => {
        try {
          await o.runs.startOnce({ model: event.model, trigger: 'degraded' }, `degraded-${event.id}`);
          return 'SUCCESS';
        } catch (err) {
          if (!(err instanceof AppError && (err.code === 'NOT_FOUND' || err.code === 'BAD_REQUEST'))) throw err;
          rootLogger().warn(
            { alert: event.id, model: event.model, err: err.message },
            'degraded alert names a model that cannot be retrained; dropped',
          );
          return 'DROP';
        }
      },
    }),
  ];
}
