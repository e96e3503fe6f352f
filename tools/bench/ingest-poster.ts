import { IngestResult } from '@meridian/contracts';

export interface PostOutcome {
  accepted: number;
  /** Records ingestion dead-lettered (they failed the stream's schema). */
  rejected: number;
  /** Answers 429 (ingestion's backpressure); each refused batch was sent again after its Retry-After. */
  refused_batches: number;
  /** Seconds the posters waited on Retry-After, summed over them. */
  retry_after_s: number;
  /** Answers 503 (the broker did not take part of a batch); each was sent again. */
  unavailable_batches: number;
}

/** Sends one batch (a JSON array) and answers ingestion's response. */
export type PostBatch = (body: string) => Promise<Response>;

/** A 503 (the broker did not take part of a batch) is sent again this many times, this far apart. */
const UNAVAILABLE_ATTEMPTS = 20;
const UNAVAILABLE_PAUSE_MS = 500;
/** When a 429 names no usable Retry-After. */
const DEFAULT_RETRY_AFTER_S = 1;

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Retry-After in seconds (ingestion sends whole seconds); a date or garbage counts as the default. */
export function retryAfterMs(header: string | null): number {
  const seconds = header?.trim() ? Number(header) : Number.NaN;
  return (Number.isFinite(seconds) && seconds >= 0 ? seconds : DEFAULT_RETRY_AFTER_S) * 1000;
}

/**
 * Posts `records` in batches of `batch`, `concurrency` batches at a time, as
 * bench:pipeline's load generator. A 429 is honoured: the poster waits
 * Retry-After and sends the same batch again (records are idempotent by key,
 * so a resend never counts twice), however often it comes, since ingestion
 * takes batches again as the backlog drains. A 503 means the broker did not
 * take part of the batch: the resend publishes exactly the rest.
 */
export async function postBatches(o: {
  records: readonly unknown[];
  batch: number;
  concurrency: number;
  post: PostBatch;
  /** Waits between attempts (tests pass one that returns at once). */
  sleep?: (ms: number) => Promise<void>;
  /** Each 429's body (the backlog ingestion saw). */
  onRefused?: (body: string) => void;
}): Promise<PostOutcome> {
  const sleep = o.sleep ?? realSleep;
  const outcome: PostOutcome = {
    accepted: 0,
    rejected: 0,
    refused_batches: 0,
    retry_after_s: 0,
    unavailable_batches: 0,
  };
  let next = 0;
  const sendOne = async (body: string) => {
    for (let unavailable = 0; ; ) {
      const res = await o.post(body);
      if (res.status === 202) {
        const r = IngestResult.parse(await res.json());
        outcome.accepted += r.accepted;
        outcome.rejected += r.rejected;
        return;
      }
      const text = await res.text();
      if (res.status === 429) {
        outcome.refused_batches += 1;
        const ms = retryAfterMs(res.headers.get('retry-after'));
        outcome.retry_after_s += ms / 1000;
        o.onRefused?.(text);
        await sleep(ms);
      } else if (res.status === 503 && ++unavailable <= UNAVAILABLE_ATTEMPTS) {
        outcome.unavailable_batches += 1;
        await sleep(UNAVAILABLE_PAUSE_MS);
      } else {
        throw new Error(`ingestion answered ${res.status}: ${text.slice(0, 300)}`);
      }
    }
  };
  const poster = async () => {
    for (;;) {
      const at = next;
      next += o.batch;
      if (at >= o.records.length) return;
      await sendOne(JSON.stringify(o.records.slice(at, at + o.batch)));
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, poster));
  return outcome;
}
