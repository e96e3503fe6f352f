import { Alert, DegradedEvidence, DriftDetectedEvent, ModelDegradedEvent, Topics } from '@meridian/contracts';
import { rootLogger, updateOne } from '@meridian/service-kit';
import type { EventPublisher, StateStore } from './ports.ts';

const INDEX_KEY = 'alerts-index';

/**
 * What each kind of alert asks of the training app: the topic it is published
 * on (one schema per topic) and the run id the training app gives the
 * retraining it starts, which follows from the alert's id.
 */
const KINDS: Record<Alert['kind'], { topic: string; runId: (id: string) => string; message: (a: Alert) => unknown }> = {
  drift: {
    topic: Topics.driftDetected,
    runId: (id) => `drift-${id}`,
    message: (a) =>
      DriftDetectedEvent.parse({
        id: a.id,
        model: a.model,
        version: a.version,
        window: `${a.window}`,
        evidence: { kind: a.kind, ...a.evidence },
      }),
  },
  degraded: {
    topic: Topics.modelDegraded,
    runId: (id) => `degraded-${id}`,
    message: (a) =>
      ModelDegradedEvent.parse({
        id: a.id,
        model: a.model,
        version: a.version,
        window: a.window,
        evidence: DegradedEvidence.parse(a.evidence),
        ts: a.created_at,
      }),
  },
};

/**
 * Alerts, one per model, kind and window: the alert's key is written
 * first-write, so a re-evaluated window (a redelivery, a restart, a second
 * replica) finds it taken and raises nothing. A new alert is listed, logged
 * and published for the training app (`model.drift-detected` or
 * `model.degraded`), which starts one retraining run per alert.
 */
export class Alerts {
  constructor(private readonly opts: { state: StateStore; store: string; publisher: EventPublisher }) {}

  async raise(o: Omit<Alert, 'id' | 'run_id' | 'created_at'>): Promise<Alert | undefined> {
    const { state, store } = this.opts;
    const id = `${o.model}-${o.kind}-v${o.version}-w${o.window}`;
    const kind = KINDS[o.kind];
    const alert = Alert.parse({ ...o, id, run_id: kind.runId(id), created_at: new Date().toISOString() });
    // Built (and validated) before anything is written: a bad message is our bug and must not leave a half-raised alert.
    const message = kind.message(alert);
    const fresh = await state.saveIfUnchanged({ store, key: `alert:${id}`, value: alert });
    if (!fresh) return undefined;
    const listed = await updateOne<string[]>({
      state,
      store,
      key: INDEX_KEY,
      change: (ids = []) => (ids.includes(id) ? undefined : [...ids, id]),
    });
    // The alert is raised (its key is taken, so no later look raises it again) and must still reach the
    // training app: a contended index costs only the alert's place in the list, and says so.
    if (listed.failed)
      rootLogger().error({ alert: id, model: o.model }, `alert raised but not listed: ${INDEX_KEY} stayed contended`);
    rootLogger().warn(
      { alert: id, model: o.model, kind: o.kind, evidence: o.evidence, run_id: alert.run_id },
      'alert raised; retraining requested',
    );
    await this.opts.publisher.publish({ topic: kind.topic, data: message });
    return alert;
  }

  async list(): Promise<Alert[]> {
    const { state, store } = this.opts;
    const ids = (await state.getState<string[]>({ store, key: INDEX_KEY })).value ?? [];
    const alerts = await Promise.all(
      ids.map(async (id) => (await state.getState<Alert>({ store, key: `alert:${id}` })).value),
    );
    return alerts.filter((a): a is Alert => a !== undefined);
  }
}
