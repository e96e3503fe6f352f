import { Router, type NextFunction, type Request, type Response } from 'express';
import type { z } from 'zod';
import { deliveryParts } from './bulk-delivery.ts';
import { requestLogger } from './logger.ts';
import { deliveryRecorder, type DeliveryRecorder } from './metrics/pubsub.ts';
import type { MetricsRegistry } from './metrics/registry.ts';
import { contextFromTraceparent, inSpan, linksTo, SpanKind, type TraceContext } from './telemetry.ts';

/** What a handler tells Dapr: done, try again later, or never deliver again. */
export type DeliveryResult = 'SUCCESS' | 'RETRY' | 'DROP';

export interface Subscription<T = unknown> {
  pubsub: string;
  topic: string;
  route: string;
  schema: z.ZodType<T>;
  handle(data: T, meta: { id: string | undefined; topic: string }): Promise<DeliveryResult>;
}

/** One message of a bulk delivery, after its schema check. */
export interface BulkItem<T> {
  entryId: string;
  /** The CloudEvent id (the same on a redelivery). */
  id: string | undefined;
  data: T;
}

/**
 * A subscription that takes messages in batches (Dapr's bulk subscribe):
 * one HTTP call per up to `maxMessagesCount` messages instead of one each.
 * The handler answers per entry; an entry it leaves out is retried.
 */
export interface BulkSubscription<T = unknown> {
  pubsub: string;
  topic: string;
  route: string;
  schema: z.ZodType<T>;
  bulk: { maxMessagesCount: number; maxAwaitDurationMs: number };
  /**
   * The entries must be taken in order: once a part of a delivery (see DeliveryReading) has an
   * entry answered RETRY, or fails, the later parts are not handled and answer RETRY, so no
   * entry is taken before an earlier one that will come again.
   */
  ordered?: boolean;
  handleBatch(items: BulkItem<T>[], meta: { topic: string }): Promise<Map<string, DeliveryResult>>;
}

/**
 * Builds a subscription while keeping the schema and handler types joined;
 * the result is erased to `unknown`, which is safe because the router only
 * calls `handle` with what `schema` produced.
 */
export function subscription<T>(s: Subscription<T>): Subscription<unknown> {
  return s as Subscription<unknown>;
}

export function bulkSubscription<T>(s: BulkSubscription<T>): BulkSubscription<unknown> {
  return s as BulkSubscription<unknown>;
}

export const isBulk = (s: Subscription<unknown> | BulkSubscription<unknown>): s is BulkSubscription<unknown> =>
  'bulk' in s;

const MIB = 1024 * 1024;
/** The largest event a publisher's sidecar takes: daprd's `--max-body-size`, 4Mi unless set (the platform does not set it). */
export const MAX_EVENT_BYTES = 4 * MIB;
/**
 * What a delivery of one event may weigh: the event and its envelope. A delivery the app refused
 * as too large would be retried by Dapr as it is, for ever, holding up its topic; the app's
 * general body limit (1 MB) is not what an event may weigh. A bulk delivery has no limit: it is
 * read in parts (DeliveryReading).
 */
export const SINGLE_DELIVERY_BYTES = MAX_EVENT_BYTES + MIB;

/** Bulk deliveries are handled in parts of about 32 MiB, with entries up to an event and its envelope. */
export const DEFAULT_READING: Omit<DeliveryReading, 'maxDepth'> = {
  partBytes: 32 * MIB,
  maxEntryBytes: MAX_EVENT_BYTES + MIB,
};

interface BulkEntry {
  entryId?: string;
  event?: unknown;
}

/** A bulk entry's payload: the CloudEvent's data, or the raw payload when the topic is not in CloudEvents. */
function entryData(event: unknown): { id: string | undefined; data: unknown } {
  if (event && typeof event === 'object' && 'specversion' in event) {
    const ce = event as { id?: unknown; data?: unknown; data_base64?: unknown };
    const data =
      ce.data !== undefined
        ? ce.data
        : typeof ce.data_base64 === 'string'
          ? JSON.parse(Buffer.from(ce.data_base64, 'base64').toString('utf8'))
          : undefined;
    return {
      id: typeof ce.id === 'string' ? ce.id : undefined,
      data: typeof data === 'string' ? safeJson(data) : data,
    };
  }
  return { id: undefined, data: event };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * One table of subscriptions generates both `GET /dapr/subscribe` and the
 * handlers. A payload that fails its schema can never succeed, so it is
 * dropped (and logged); a thrown error is a passing failure, so it is retried.
 * Every answer, the lag since publish and the handler's time go to `opts.metrics`; bulk deliveries are read as
 * `opts.reading` says (the app's own depth limit among it).
 */
export function subscriptionRouter(
  subs: (Subscription<unknown> | BulkSubscription<unknown>)[],
  opts: { metrics?: MetricsRegistry | undefined; reading: DeliveryReading },
): Router {
  const router = Router();
  const table = subs;
  const record = deliveryRecorder(opts.metrics);
  router.get('/dapr/subscribe', function listSubscriptions(_req, res) {
    res.json(
      table.map((s) => ({
        pubsubname: s.pubsub,
        topic: s.topic,
        route: s.route,
        ...(isBulk(s) ? { bulkSubscribe: { enabled: true, ...s.bulk } } : {}),
      })),
    );
  });
  for (const s of table) {
    if (isBulk(s)) {
      router.post(s.route, bulkHandler(s, record, opts.reading));
      continue;
    }
    router.post(s.route, async function deliver(req: Request, res) {
      const log = requestLogger();
      const envelope = (req.body ?? {}) as { id?: string; data?: unknown };
      record.arrived({ topic: s.topic, event: envelope });
      const answer = (status: DeliveryResult) => {
        record.answered({ topic: s.topic, outcome: status });
        res.json({ status });
      };
      const parsed = s.schema.safeParse(envelope.data);
      if (!parsed.success) {
        log.warn(
          { topic: s.topic, id: envelope.id, issues: parsed.error.issues },
          'dropping message that fails its schema',
        );
        answer('DROP');
        return;
      }
      const start = performance.now();
      let status: DeliveryResult;
      try {
        status = await s.handle(parsed.data, { id: envelope.id, topic: s.topic });
      } catch (err) {
        log.warn({ err, topic: s.topic, id: envelope.id }, 'message handling failed; asking Dapr to retry');
        status = 'RETRY';
      }
      record.handled({ topic: s.topic, seconds: (performance.now() - start) / 1000 });
      answer(status);
    });
  }
  return router;
}

/**
 * Bulk deliveries: entries failing the schema are dropped (logged), the
 * rest go to the handler in one call; a thrown error retries the batch's
 * valid entries, and an entry the handler did not answer for is retried.
 */
/**
 * A bulk delivery's messages each carry their publisher's trace (the CloudEvent's traceparent). One
 * handling serves them all: its span continues the first message's trace and links the others', so
 * each trace leads to the work done for it, and what the handler calls (inference, state) follows.
 */
function inBatchSpan<T>(
  o: { topic: string; messages: number; traces: TraceContext[] },
  fn: () => Promise<T>,
): Promise<T> {
  const { topic, traces } = o;
  const [first, ...others] = traces;
  return inSpan(`process ${topic}`, fn, {
    kind: SpanKind.CONSUMER,
    ...(first ? { parent: first } : {}),
    links: linksTo(others),
    attributes: { 'messaging.destination.name': topic, 'messaging.batch.message_count': o.messages },
  });
}

/**
 * How a bulk delivery is read: in parts of about `partBytes` (each handled before the next is
 * read), entries up to `maxEntryBytes`, nesting up to `maxDepth`.
 */
export interface DeliveryReading {
  partBytes: number;
  maxEntryBytes: number;
  maxDepth: number;
}

/** Handles one part of a bulk delivery: its entries' statuses, in order. */
async function handlePart(
  s: BulkSubscription<unknown>,
  record: DeliveryRecorder,
  entries: BulkEntry[],
): Promise<{ entryId: string; status: DeliveryResult }[]> {
  const log = requestLogger();
  const statuses: { entryId: string; status: DeliveryResult }[] = [];
  const items: BulkItem<unknown>[] = [];
  const traces: TraceContext[] = [];
  for (const entry of entries) {
    if (typeof entry.entryId !== 'string') continue;
    record.arrived({ topic: s.topic, event: entry.event });
    let payload: { id: string | undefined; data: unknown };
    try {
      payload = entryData(entry.event);
    } catch {
      payload = { id: undefined, data: undefined };
    }
    const parsed = s.schema.safeParse(payload.data);
    if (!parsed.success) {
      log.warn(
        { topic: s.topic, id: payload.id, issues: parsed.error.issues },
        'dropping message that fails its schema',
      );
      statuses.push({ entryId: entry.entryId, status: 'DROP' });
      continue;
    }
    items.push({ entryId: entry.entryId, id: payload.id, data: parsed.data });
    const traced = contextFromTraceparent((entry.event ?? {}) as { traceparent?: unknown; tracestate?: unknown });
    if (traced) traces.push(traced);
  }
  let answers = new Map<string, DeliveryResult>();
  if (items.length) {
    const start = performance.now();
    try {
      answers = await inBatchSpan({ topic: s.topic, messages: items.length, traces }, () =>
        s.handleBatch(items, { topic: s.topic }),
      );
    } catch (err) {
      log.warn({ err, topic: s.topic, entries: items.length }, 'bulk handling failed; asking Dapr to retry');
    }
    record.handled({ topic: s.topic, seconds: (performance.now() - start) / 1000 });
  }
  for (const item of items) statuses.push({ entryId: item.entryId, status: answers.get(item.entryId) ?? 'RETRY' });
  return statuses;
}

/**
 * A bulk delivery is read from the request as it arrives and handled in parts (service.ts leaves
 * its body unparsed): Dapr bounds a delivery by its number of events, not by bytes, and a
 * delivery refused as too large would be retried as it is, for ever, holding up its topic.
 */
function bulkHandler(s: BulkSubscription<unknown>, record: DeliveryRecorder, reading: DeliveryReading) {
  return async function deliverBulk(req: Request, res: Response, next: NextFunction) {
    const statuses: { entryId: string; status: DeliveryResult }[] = [];
    let held = false;
    try {
      for await (const entries of deliveryParts(req, reading)) {
        if (held) {
          // An ordered subscription's entries after one that will come again: read, not handled.
          for (const e of entries as BulkEntry[])
            if (typeof e.entryId === 'string') statuses.push({ entryId: e.entryId, status: 'RETRY' });
          continue;
        }
        const part = await handlePart(s, record, entries as BulkEntry[]);
        statuses.push(...part);
        held = s.ordered === true && part.some((p) => p.status === 'RETRY');
      }
    } catch (err) {
      // Nothing handled yet: the delivery is refused whole, saying why. Past a handled part, those
      // entries are answered and Dapr retries the ones without an answer, not the handled ones again.
      if (!statuses.length) {
        next(err);
        return;
      }
      requestLogger().warn(
        { err, topic: s.topic, answered: statuses.length },
        'a bulk delivery broke off after some of its parts; the rest are left for Dapr to retry',
      );
    }
    for (const outcome of ['SUCCESS', 'RETRY', 'DROP'] as const)
      record.answered({ topic: s.topic, outcome, count: statuses.filter((e) => e.status === outcome).length });
    res.json({ statuses });
  };
}
