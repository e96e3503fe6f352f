import {
  DriftDetectedEvent,
  IngestedRecordsEvent,
  ModelDegradedEvent,
  Topics,
  type IngestedRecord,
} from '@meridian/contracts';
import {
  bulkSubscription,
  chunksOf,
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
export function moteReadingOf(published: IngestedRecord): { mote: string; reading: MoteReading } | undefined {
  const r = published.record;
  const ts = typeof r.ts === 'number' ? r.ts : typeof r.ts === 'string' ? Date.parse(r.ts) : Number.NaN;
  const parsed = MoteReading.safeParse({
    key: published.key,
    ts,
    humidity: r.humidity,
    temperature: r.temperature,
    ...(r.label === 0 || r.label === 1 ? { label: r.label } : {}),
  });
  if (typeof r.mote_id !== 'number' && typeof r.mote_id !== 'string') return undefined;
  return parsed.success ? { mote: String(r.mote_id), reading: parsed.data } : undefined;
}

/** Readings per call to the global model or to one mote's agent. */
export const MAX_READINGS_PER_CALL = 1000;

/**
 * Sensor readings to the mote agents: one global-model call per delivery, then
 * one actor call per mote with its readings in order. A mote whose call fails
 * has its entries retried; the agent skips keys it has seen (idempotent).
 */
export function readingsToMotes(o: {
  pubsub: string;
  actors: Pick<ActorClient, 'invoke'>;
  global: Pick<GlobalSensorModel, 'verdicts'>;
  bulk: { maxMessagesCount: number; maxAwaitDurationMs: number };
}): BulkSubscription<unknown> {
  return bulkSubscription({
    pubsub: o.pubsub,
    topic: Topics.sensorReadings,
    route: '/events/sensor-readings',
    schema: IngestedRecordsEvent,
    bulk: o.bulk,
    async handleBatch(items) {
      const results = new Map<string, DeliveryResult>();
      const valid: { entryId: string; m: { mote: string; reading: MoteReading } }[] = [];
      for (const item of items) {
        const readings = item.data.records.flatMap((r) => moteReadingOf(r) ?? []);
        // An event with no sensor reading in it can never succeed; one with some is taken for those.
        if (!readings.length) results.set(item.entryId, 'DROP');
        for (const m of readings) valid.push({ entryId: item.entryId, m });
      }
      // An event carries up to MAX_RECORDS_PER_EVENT readings, so a delivery can carry many thousands: the
      // model and each mote take them a bounded number at a time.
      const verdicts: (boolean | undefined)[] = [];
      for (const chunk of chunksOf(valid, MAX_READINGS_PER_CALL))
        verdicts.push(...(await o.global.verdicts(chunk.map((v) => v.m.reading))));
      const byMote = new Map<string, { entryIds: Set<string>; readings: ObservedReading[] }>();
      valid.forEach((v, i) => {
        const group = byMote.get(v.m.mote) ?? { entryIds: new Set<string>(), readings: [] };
        group.entryIds.add(v.entryId);
        const global = verdicts[i];
        group.readings.push({ reading: v.m.reading, ...(global !== undefined ? { global } : {}) });
        byMote.set(v.m.mote, group);
      });
      await Promise.all(
        [...byMote].map(async ([mote, group]) => {
          let result: DeliveryResult = 'SUCCESS';
          try {
            for (const readings of chunksOf(group.readings, MAX_READINGS_PER_CALL))
              await o.actors.invoke({ type: ActorTypes.mote, id: mote, method: 'observe', body: { readings } });
          } catch (err) {
            rootLogger().warn({ mote, err: (err as Error).message }, 'mote agent failed; readings retried');
            result = 'RETRY';
          }
          // An event whose readings went to several motes is retried if any of them failed (the others skip what they saw).
          for (const id of group.entryIds) if (results.get(id) !== 'RETRY') results.set(id, result);
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
