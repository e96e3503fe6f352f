import {
  Components,
  MAX_EVENT_RECORD_BYTES,
  MAX_RECORDS_PER_EVENT,
  type IngestedRecordsEvent,
} from '@meridian/contracts';
import { packByKey } from '@meridian/service-kit';
import type { ControlPlaneInfo, Platform } from '@meridian/platform';
import { BARE_PUBLISHER, BARE_SUBSCRIBER, startBareSidecars } from './bare-sidecars.ts';
import { WARMUP_PREFIX, type BareSubscriber } from './bare-subscriber.ts';
import { removeBareTopic, prepareBareTopic } from './bare-topic.ts';
import { cpuMicrosPerRecord, cpuSeconds, cpuSpent, serverCpu } from './process-stats.ts';

export interface BarePathResult {
  /** Records delivered per second: records / (last new delivery − first publish). */
  bare_records_per_s: number;
  bare_seconds: number;
  bare_delivered: number;
  /** Records published and never delivered before the wait gave up. */
  bare_lost: number;
  /**
   * CPU seconds while the records went through: this process (the publisher and the do-nothing
   * subscriber), the two sidecars, and the servers (broker, state store) that did anything.
   */
  bare_cpu_s: Record<string, number>;
  /** All of bare_cpu_s per record delivered, in microseconds: the pipeline's cpu_us_per_record compares with it. */
  bare_cpu_us_per_record: number;
}

type Record_ = { id: string } & Record<string, unknown>;
type Publish = (records: readonly Record_[]) => Promise<void>;

const FAILED_ENTRY_ATTEMPTS = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves on the subscriber's next delivery, or after `ms` without one (false). */
function nextDelivery(sub: BareSubscriber, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (delivered: boolean) => {
      clearTimeout(timer);
      sub.off('delivery', onDelivery);
      resolve(delivered);
    };
    const onDelivery = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    sub.on('delivery', onDelivery);
  });
}

/**
 * A batch's records as ingestion publishes them (apps/ingestion/src/domain/intake.ts): one
 * IngestedRecordsEvent per mote, within the same bounds, keyed by the mote.
 */
function asEvents(records: readonly Record_[]) {
  const received_at = new Date().toISOString();
  const packs = packByKey(records, {
    keyOf: (r) => (r.mote_id === undefined ? undefined : String(r.mote_id)),
    sizeOf: (r) => JSON.stringify(r).length + r.id.length,
    maxItems: MAX_RECORDS_PER_EVENT,
    maxSize: MAX_EVENT_RECORD_BYTES,
  });
  return packs.map((pack, i) => {
    const event: IngestedRecordsEvent = {
      stream: 'bench-bare',
      received_at,
      records: pack.items.map((record) => ({ key: record.id, record })),
    };
    return {
      entryId: String(i),
      event,
      contentType: 'application/json',
      ...(pack.key === undefined ? {} : { metadata: { partitionKey: pack.key } }),
    };
  });
}

/** One bulk publish per batch through the publisher's sidecar; entries the broker did not take are sent again. */
function bulkPublisher(o: { url: string; token: string; topic: string }): Publish {
  const path = `${o.url}/v1.0-alpha1/publish/bulk/${Components.pubsub}/${encodeURIComponent(o.topic)}`;
  return async (records) => {
    let entries = asEvents(records);
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'dapr-api-token': o.token },
        body: JSON.stringify(entries),
      });
      const text = await res.text();
      if (res.ok) return;
      const failed = new Set(
        ((JSON.parse(text || '{}') as { failedEntries?: { entryId: string }[] }).failedEntries ?? []).map(
          (f) => f.entryId,
        ),
      );
      if (!failed.size || attempt >= FAILED_ENTRY_ATTEMPTS)
        throw new Error(`bulk publish answered ${res.status}: ${text.slice(0, 300)}`);
      entries = entries.filter((e) => failed.has(e.entryId));
      await sleep(500);
    }
  };
}

async function warmUp(o: { publish: Publish; sub: BareSubscriber; timeoutMs: number }): Promise<void> {
  const deadline = performance.now() + o.timeoutMs;
  for (let n = 0; !o.sub.warmedUp; n++) {
    if (performance.now() > deadline) throw new Error(`bare path: no warm-up message arrived in ${o.timeoutMs} ms`);
    await o.publish([{ id: `${WARMUP_PREFIX}${n}` }]);
    await nextDelivery(o.sub, 500);
  }
}

/**
 * Publishes `records` in batches, `concurrency` at a time. Like ingestion's
 * backpressure, a batch goes out only while it fits under `maxBacklog`
 * records published and not yet delivered, or when none are (0: no bound).
 * Gives up when nothing new is delivered for `stallMs`.
 */
async function publishAll(o: {
  publish: Publish;
  sub: BareSubscriber;
  records: readonly Record_[];
  batch: number;
  concurrency: number;
  maxBacklog: number;
  stallMs: number;
}): Promise<void> {
  let next = 0;
  let stalled = false;
  const fits = (size: number) => {
    const waiting = Math.min(next, o.records.length) - o.sub.delivered;
    return o.maxBacklog <= 0 || waiting <= 0 || waiting + size <= o.maxBacklog;
  };
  const poster = async () => {
    while (next < o.records.length && !stalled) {
      const size = Math.min(o.batch, o.records.length - next);
      if (!fits(size)) {
        if (!(await nextDelivery(o.sub, o.stallMs))) stalled = true;
        continue;
      }
      const at = next;
      next += size;
      await o.publish(o.records.slice(at, at + size));
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, poster));
  while (o.sub.delivered < o.records.length && (await nextDelivery(o.sub, o.stallMs)));
}

/**
 * The bare Dapr path on the platform's broker, the yardstick bench:pipeline
 * divides by: a publisher sidecar and a do-nothing bulk subscriber's sidecar,
 * the same records in the same batches at the same concurrency, in the same
 * events as ingestion publishes (one per mote of a batch), on a topic of this
 * run's own. Started and stopped here, beside the running platform.
 */
export async function measureBarePath(o: {
  cp: ControlPlaneInfo;
  platform: Platform;
  broker: string;
  runId: string;
  records: readonly Record_[];
  batch: number;
  concurrency: number;
  maxBacklog: number;
  stallMs: number;
  daprLogLevel?: string;
}): Promise<BarePathResult> {
  const topic = `bench-bare-${o.runId}`;
  await prepareBareTopic({ pubsub: o.broker, topic });
  const sidecars = await startBareSidecars({
    cp: o.cp,
    platformSidecar: o.platform.apps.ingestion!.sidecar,
    dataDir: o.platform.dataDir,
    topic,
    ...(o.daprLogLevel ? { daprLogLevel: o.daprLogLevel } : {}),
  });
  try {
    const sub = sidecars.subscriber;
    const publish = bulkPublisher({ url: sidecars.publisherUrl, token: sidecars.publisherToken, topic });
    await warmUp({ publish, sub, timeoutMs: 60_000 });
    const cpu = () => ({
      bench: cpuSeconds(process.pid) ?? 0,
      ...Object.fromEntries(Object.entries(sidecars.pids()).map(([name, pid]) => [name, cpuSeconds(pid) ?? 0])),
      ...serverCpu(),
    });
    const cpuBefore = cpu();
    const started = performance.now();
    await publishAll({ ...o, publish, sub });
    const seconds = (sub.lastNewAt - started) / 1000;
    const bare_cpu_s = cpuSpent(cpuBefore, cpu());
    return {
      bare_records_per_s: seconds > 0 ? Math.round(sub.delivered / seconds) : 0,
      bare_seconds: Math.round(seconds * 10) / 10,
      bare_delivered: sub.delivered,
      bare_lost: o.records.length - sub.delivered,
      bare_cpu_s,
      bare_cpu_us_per_record: cpuMicrosPerRecord(bare_cpu_s, sub.delivered),
    };
  } finally {
    await sidecars.stop();
    await removeBareTopic({
      pubsub: o.broker,
      topic,
      consumers: [BARE_PUBLISHER, BARE_SUBSCRIBER].map((id) => `${id}-${o.runId}`),
      mqttUrl: o.platform.mqttUrl,
    }).catch(() => undefined);
  }
}
