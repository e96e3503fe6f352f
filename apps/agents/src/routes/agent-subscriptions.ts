import { DriftDetectedEvent, IngestedRecordEvent, ModelDegradedEvent, Topics } from '@meridian/contracts';
import {
  bulkSubscription,
  rootLogger,
  subscription,
  type ActorClient,
  type BulkSubscription,
  type DeliveryResult,
  type Subscription,
} from '@meridian/service-kit';
import { ActorTypes } from '../actors/ids.ts';
import type { ObservedReading } from '../actors/mote-actor.ts';
import type { GlobalSensorModel } from '../adapters/global-sensor-model.ts';
import type { IncidentEvent } from '../domain/incident/incident-report.ts';
import { MoteReading } from '../domain/mote/index.ts';

/** A sensor record as ingestion publishes it, as a mote reading (or nothing: not a sensor reading, dropped). */
export function moteReadingOf(event: IngestedRecordEvent): { mote: string; reading: MoteReading } | undefined {
  const r = event.record;
  const ts = typeof r.ts === 'number' ? r.ts : typeof r.ts === 'string' ? Date.parse(r.ts) : Number.NaN;
  const parsed = MoteReading.safeParse({
    key: event.key,
    ts,
    humidity: r.humidity,
    temperature: r.temperature,
    ...(r.label === 0 || r.label === 1 ? { label: r.label } : {}),
  });
  if (typeof r.mote_id !== 'number' && typeof r.mote_id !== 'string') return undefined;
  return parsed.success ? { mote: String(r.mote_id), reading: parsed.data } : undefined;
}

/**
 * Sensor readings to the mote agents: one global-model call per delivery, then
 * one actor call per mote with its readings in order. A mote whose call fails
 * has its entries retried; the agent skips keys it has seen (idempotent).
 */
export function readingsToMotes(o: {
  pubsub: string;
  actors: ActorClient;
  global: GlobalSensorModel;
  bulk: { maxMessagesCount: number; maxAwaitDurationMs: number };
}): BulkSubscription<unknown> {
  return bulkSubscription({
    pubsub: o.pubsub,
    topic: Topics.sensorReadings,
    route: '/events/sensor-readings',
    schema: IngestedRecordEvent,
    bulk: o.bulk,
    async handleBatch(items) {
      const results = new Map<string, DeliveryResult>();
      const parsed = items.map((i) => ({ entryId: i.entryId, m: moteReadingOf(i.data) }));
      for (const p of parsed) if (!p.m) results.set(p.entryId, 'DROP');
      const valid = parsed.filter((p) => p.m) as { entryId: string; m: { mote: string; reading: MoteReading } }[];
      const verdicts = await o.global.verdicts(valid.map((v) => v.m.reading));
      const byMote = new Map<string, { entryIds: string[]; readings: ObservedReading[] }>();
      valid.forEach((v, i) => {
        const group = byMote.get(v.m.mote) ?? { entryIds: [], readings: [] };
        group.entryIds.push(v.entryId);
        const global = verdicts[i];
        group.readings.push({ reading: v.m.reading, ...(global !== undefined ? { global } : {}) });
        byMote.set(v.m.mote, group);
      });
      await Promise.all(
        [...byMote].map(async ([mote, group]) => {
          let result: DeliveryResult = 'SUCCESS';
          try {
            await o.actors.invoke({
              type: ActorTypes.mote,
              id: mote,
              method: 'observe',
              body: { readings: group.readings },
            });
          } catch (err) {
            rootLogger().warn({ mote, err: (err as Error).message }, 'mote agent failed; readings retried');
            result = 'RETRY';
          }
          for (const id of group.entryIds) results.set(id, result);
        }),
      );
      return results;
    },
  });
}

/** Drift and quality alerts open an incident with the model's incident agent. */
export function incidentSubscriptions(o: { pubsub: string; actors: ActorClient }): Subscription<unknown>[] {
  const open = async (incident: IncidentEvent): Promise<DeliveryResult> => {
    await o.actors.invoke({ type: ActorTypes.incident, id: incident.event.model, method: 'open', body: incident });
    return 'SUCCESS';
  };
  return [
    subscription({
      pubsub: o.pubsub,
      topic: Topics.driftDetected,
      route: '/events/drift-detected',
      schema: DriftDetectedEvent,
      handle: (event) => open({ kind: 'drift', event }),
    }),
    subscription({
      pubsub: o.pubsub,
      topic: Topics.modelDegraded,
      route: '/events/model-degraded',
      schema: ModelDegradedEvent,
      handle: (event) => open({ kind: 'degraded', event }),
    }),
  ];
}
