import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The bulk settings of the features app's subscription (BULK_MAX_MESSAGES, BULK_MAX_AWAIT_MS in apps/features/src/env.ts). */
export const FEATURES_BULK = { maxMessagesCount: 100, maxAwaitDurationMs: 20 };

/** Ids of the warm-up messages, counted apart from the measured records. */
export const WARMUP_PREFIX = 'bare-warmup-';

const ROUTE = '/events/bare';

interface BulkEntry {
  entryId?: unknown;
  event?: unknown;
}

/** The keys of the records inside a bulk entry's CloudEvent (its data a JSON string when the broker kept it as text). */
function recordKeys(event: unknown): string[] {
  const parsed = (v: unknown) => {
    try {
      return typeof v === 'string' ? (JSON.parse(v) as unknown) : v;
    } catch {
      return undefined;
    }
  };
  const data = (parsed(event) as { data?: unknown } | null | undefined)?.data;
  const records = (parsed(data) as { records?: unknown } | null | undefined)?.records;
  if (!Array.isArray(records)) return [];
  return records.flatMap((r) =>
    typeof (r as { key?: unknown })?.key === 'string' ? [(r as { key: string }).key] : [],
  );
}

/**
 * The do-nothing app of the bare Dapr path: one bulk subscription on `topic`
 * (the features app's bulk settings), every entry answered SUCCESS, the
 * records in its events counted by key (a redelivery counts once). `listener` is a
 * node:http request listener; each delivery emits 'delivery' with its body as text.
 */
export class BareSubscriber extends EventEmitter {
  private readonly ids = new Set<string>();
  private warm = false;
  /** performance.now() when the last new record arrived. */
  lastNewAt = 0;
  /** Entries delivered, repeats included. */
  entries = 0;

  constructor(
    private readonly o: {
      pubsub: string;
      topic: string;
      /** The token the subscriber's sidecar sends (its APP_API_TOKEN). */
      appToken: string;
      bulk?: { maxMessagesCount: number; maxAwaitDurationMs: number };
    },
  ) {
    super();
  }

  /** Distinct records delivered (warm-up messages left out). */
  get delivered(): number {
    return this.ids.size;
  }

  /** Whether a warm-up message arrived: the subscription is live. */
  get warmedUp(): boolean {
    return this.warm;
  }

  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.headers['dapr-api-token'] !== this.o.appToken) {
        res.statusCode = 401;
        return void res.end('{}');
      }
      if (req.method === 'GET' && req.url === '/dapr/subscribe') return void res.end(JSON.stringify(this.table()));
      if (req.method === 'POST' && req.url === ROUTE) {
        const text = Buffer.concat(chunks).toString('utf8');
        const body = JSON.parse(text) as { entries?: BulkEntry[] };
        return void res.end(JSON.stringify({ statuses: this.take(body.entries ?? [], text) }));
      }
      res.statusCode = 404;
      res.end('{}');
    });
  };

  private table() {
    const bulk = this.o.bulk ?? FEATURES_BULK;
    return [
      { pubsubname: this.o.pubsub, topic: this.o.topic, route: ROUTE, bulkSubscribe: { enabled: true, ...bulk } },
    ];
  }

  private take(entries: BulkEntry[], text: string): { entryId: string; status: 'SUCCESS' }[] {
    const before = this.ids.size;
    const statuses: { entryId: string; status: 'SUCCESS' }[] = [];
    for (const entry of entries) {
      if (typeof entry.entryId !== 'string') continue;
      statuses.push({ entryId: entry.entryId, status: 'SUCCESS' });
      this.entries += 1;
      for (const key of recordKeys(entry.event)) {
        if (key.startsWith(WARMUP_PREFIX)) this.warm = true;
        else this.ids.add(key);
      }
    }
    if (this.ids.size > before) this.lastNewAt = performance.now();
    this.emit('delivery', text);
    return statuses;
  }
}
