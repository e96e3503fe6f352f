import { percentile } from './load.ts';

/** What one request came to: an HTTP status, no answer in time, or no answer at all (connection refused or reset). */
export type Outcome = number | 'timeout' | 'error';

export interface Spread {
  n: number;
  p50_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
}

export interface OpenLoopResult {
  target_rps: number;
  seconds: number;
  /** Requests the schedule called for. */
  scheduled: number;
  sent: number;
  /** Due while max_in_flight requests were still unanswered: never sent. */
  shed_by_client: number;
  /** Answers by status ("200", "429", "503", ...), "timeout" and "error". */
  outcomes: Record<string, number>;
  /** Send → 200. */
  admitted: Spread;
  /** Send → 429 or 503: how fast the platform says no. */
  refused: Spread;
  /** Due → sent: how well this process kept the schedule (it shares the cores with the platform). */
  send_delay: Spread;
  /** Most requests unanswered at once. */
  peak_in_flight: number;
}

export const REFUSALS: readonly Outcome[] = [429, 503];

const round = (x: number) => Math.round(x * 10) / 10;

export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length ? round(percentile(sorted, p)) : null);
  return { n: sorted.length, p50_ms: at(50), p99_ms: at(99), max_ms: sorted.length ? round(sorted.at(-1)!) : null };
}

/**
 * Open-loop load: request i is due at start + i / rps whatever happened to
 * the ones before (a closed loop would slow down with the server and hide
 * its queueing). At most `maxInFlight` requests are out at once; a request
 * due beyond that is not sent and counts as shed by the client.
 * `onScheduleEnd` runs when the last request is due; the result comes once
 * every sent request has its outcome.
 */
export async function openLoop(o: {
  rps: number;
  seconds: number;
  maxInFlight: number;
  call: () => Promise<Outcome>;
  onScheduleEnd?: () => void;
}): Promise<OpenLoopResult> {
  const interval = 1000 / o.rps;
  const scheduled = Math.max(1, Math.round(o.seconds * o.rps));
  const outcomes: Record<string, number> = {};
  const admitted: number[] = [];
  const refused: number[] = [];
  const sendDelay: number[] = [];
  const pending = new Set<Promise<void>>();
  let next = 0;
  let shed = 0;
  let peak = 0;

  const fire = (due: number) => {
    const sentAt = performance.now();
    sendDelay.push(sentAt - due);
    const done = o
      .call()
      .catch((): Outcome => 'error')
      .then((outcome) => {
        const ms = performance.now() - sentAt;
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        if (outcome === 200) admitted.push(ms);
        else if (REFUSALS.includes(outcome)) refused.push(ms);
        pending.delete(done);
      });
    pending.add(done);
    peak = Math.max(peak, pending.size);
  };

  const start = performance.now();
  await new Promise<void>((scheduleDone) => {
    const tick = () => {
      const now = performance.now();
      for (; next < scheduled && start + next * interval <= now; next++) {
        if (pending.size >= o.maxInFlight) shed += 1;
        else fire(start + next * interval);
      }
      if (next >= scheduled) scheduleDone();
      else setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
    };
    tick();
  });
  o.onScheduleEnd?.();
  while (pending.size) await Promise.all(pending);

  return {
    target_rps: o.rps,
    seconds: o.seconds,
    scheduled,
    sent: scheduled - shed,
    shed_by_client: shed,
    outcomes,
    admitted: spread(admitted),
    refused: spread(refused),
    send_delay: spread(sendDelay),
    peak_in_flight: peak,
  };
}

/** Requests that did not get a 200, shed by the client included, over all scheduled. */
export function failedShare(r: OpenLoopResult): number {
  return (r.scheduled - (r.outcomes['200'] ?? 0)) / r.scheduled;
}

/** Requests answered 429 or 503. */
export function refusedCount(r: OpenLoopResult): number {
  return REFUSALS.reduce<number>((sum, code) => sum + (r.outcomes[String(code)] ?? 0), 0);
}
