import { Alert, TRAINING_TOPICS } from '@meridian/contracts';
import { rootLogger, type DaprClient } from '@meridian/service-kit';

const INDEX_KEY = 'alerts-index';

/**
 * Alerts, one per model, kind and window: the alert's key is written
 * first-write, so a re-evaluated window (a redelivery, a restart, a second
 * replica) finds it taken and raises nothing. A new alert is listed, logged
 * and published as `model.drift-detected`, which starts a retraining run
 * whose id follows from the alert's id.
 */
export class Alerts {
  constructor(private readonly opts: { dapr: DaprClient; store: string; pubsub: string }) {}

  async raise(o: Omit<Alert, 'id' | 'run_id' | 'created_at'>): Promise<Alert | undefined> {
    const { dapr, store } = this.opts;
    const id = `${o.model}-${o.kind}-v${o.version}-w${o.window}`;
    // The training app names a drift-triggered run after the event id.
    const alert = Alert.parse({ ...o, id, run_id: `drift-${id}`, created_at: new Date().toISOString() });
    const fresh = await dapr.saveIfUnchanged({ store, key: `alert:${id}`, value: alert });
    if (!fresh) return undefined;
    for (let attempt = 0; attempt < 50; attempt++) {
      const current = await dapr.getState<string[]>({ store, key: INDEX_KEY });
      const ok = await dapr.saveIfUnchanged({ store, key: INDEX_KEY, value: [...(current.value ?? []), id], etag: current.etag });
      if (ok) break;
    }
    rootLogger().warn({ alert: id, model: o.model, kind: o.kind, evidence: o.evidence }, 'alert raised; retraining requested');
    await dapr.publish({ pubsub: this.opts.pubsub, topic: TRAINING_TOPICS.driftDetected, data: { id, model: o.model, version: o.version, window: `${o.window}`, evidence: { kind: o.kind, ...o.evidence } } });
    return alert;
  }

  async list(): Promise<Alert[]> {
    const { dapr, store } = this.opts;
    const ids = (await dapr.getState<string[]>({ store, key: INDEX_KEY })).value ?? [];
    const alerts = await Promise.all(ids.map(async (id) => (await dapr.getState<Alert>({ store, key: `alert:${id}` })).value));
    return alerts.filter((a): a is Alert => a !== undefined);
  }
}
