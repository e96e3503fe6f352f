import {
  DriftDetectedEvent,
  ModelDegradedEvent,
  StreamTopicEvent,
  Topics,
  type IngestedRecord,
} from '@meridian/contracts';
import {
  bulkSubscription,
  chunksOf,
  packByKey,
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
import { MOTE_AGENT_DEFAULTS, MoteReading } from '../domain/mote/index.ts';

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

/** Readings per call to the global model. */
export const MAX_READINGS_PER_VERDICT_CALL = 1000;

/**
 * Readings per call to one mote's agent (whole events; an event carries at most this many of
 * one mote): half the keys an agent remembers, so the readings of a call that went through but
 * was not answered are all recognised when they come again.
 */
export const MAX_READINGS_PER_MOTE_CALL = Math.floor(MOTE_AGENT_DEFAULTS.recentKeys / 2);

/**
 * Sensor readings to the mote agents: the global model's verdicts (a call per
 * MAX_READINGS_PER_VERDICT_CALL readings), then each mote's readings in order,
 * whole events to a call, calls one after another. A mote whose call fails has
 * that call's events and its later ones retried; the agent skips keys it has
 * seen (idempotent).
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
    schema: StreamTopicEvent,
    ordered: true,
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
      // An event carries up to MAX_RECORDS_PER_EVENT readings, so a delivery can carry many thousands:
      // the model takes them a bounded number at a time.
      const verdicts: (boolean | undefined)[] = [];
      for (const chunk of chunksOf(valid, MAX_READINGS_PER_VERDICT_CALL))
        verdicts.push(...(await o.global.verdicts(chunk.map((v) => v.m.reading))));
      // Each mote's readings, event by event, in the delivery's order.
      const byMote = new Map<string, { entryId: string; readings: ObservedReading[] }[]>();
      valid.forEach((v, i) => {
        const global = verdicts[i];
        const observed = { reading: v.m.reading, ...(global !== undefined ? { global } : {}) };
        const events = byMote.get(v.m.mote) ?? [];
        const last = events.at(-1);
        if (last?.entryId === v.entryId) last.readings.push(observed);
        else events.push({ entryId: v.entryId, readings: [observed] });
        byMote.set(v.m.mote, events);
      });
      const retried = new Set<string>();
      await Promise.all(
        [...byMote].map(async ([mote, events]) => {
          // Whole events to a call, calls one after another; after a failed call the mote's later events are
          // not sent (they are retried with it), so a redelivery brings an agent at most one call it may have
          // taken, which its remembered keys recognise.
          const calls = packByKey(events, {
            keyOf: () => undefined,
            sizeOf: (e) => e.readings.length,
            maxItems: events.length,
            maxSize: MAX_READINGS_PER_MOTE_CALL,
          });
          for (const [n, call] of calls.entries()) {
            try {
              const readings = call.items.flatMap((e) => e.readings);
              await o.actors.invoke({ type: ActorTypes.mote, id: mote, method: 'observe', body: { readings } });
            } catch (err) {
              rootLogger().warn({ mote, err: (err as Error).message }, 'mote agent failed; its readings are retried');
              for (const later of calls.slice(n)) for (const e of later.items) retried.add(e.entryId);
              return;
            }
          }
        }),
      );
      // An event whose readings went to several motes is retried if any of them did not take its readings.
      for (const { entryId } of valid) results.set(entryId, retried.has(entryId) ? 'RETRY' : 'SUCCESS');
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
