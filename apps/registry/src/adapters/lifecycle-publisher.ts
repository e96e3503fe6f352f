import { ModelLifecycleEvent, Topics } from '@meridian/contracts';
import { requestLogger, retryUntilReady, type DaprClient } from '@meridian/service-kit';

const ATTEMPTS = 3;

/** Publishes model-lifecycle events on the `pubsub` component. */
export class LifecyclePublisher {
  constructor(private readonly opts: { dapr: Pick<DaprClient, 'publish'>; pubsub: string }) {}

  /**
   * Called after the state change committed, so a failure here cannot undo
   * it: the change stands, the caller gets its answer, and the loss is
   * logged as an error. (Dapr's transactional outbox would close this gap
   * but needs outbox settings on the statestore component.)
   */
  async publish(events: ModelLifecycleEvent[]): Promise<void> {
    for (const event of events) {
      // An event that fails its own schema is our bug, not a passing failure.
      const data = ModelLifecycleEvent.parse(event);
      try {
        await retryUntilReady({
          what: 'publishing a model-lifecycle event',
          maxAttempts: ATTEMPTS,
          intervalMs: (n) => 100 * n,
          warnEvery: 0,
          attempt: () => this.opts.dapr.publish({ pubsub: this.opts.pubsub, topic: Topics.modelLifecycle, data }),
        });
      } catch (err) {
        requestLogger().error(
          { err, event: data },
          'model-lifecycle event lost: publishing failed after the change was committed',
        );
      }
    }
  }
}
