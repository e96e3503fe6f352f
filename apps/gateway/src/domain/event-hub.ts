import { ConsolePredictions, type ConsoleEvent, type ConsoleEventType } from '@meridian/contracts';
import { rootLogger } from '@meridian/service-kit';
import { AlertTracker, PredictionsTracker, RunTracker } from './event-trackers.ts';
import type { EventSources } from './ports.ts';

/** What a stream carries: an event, or a comment that keeps an idle connection from being cut. */
export type StreamMessage = ConsoleEvent | { comment: 'heartbeat' };

/** One open stream. */
export interface StreamClient {
  subject: string;
  roles: readonly string[];
  send(message: StreamMessage): void;
  /** Ends the stream: the gateway is stopping. */
  close(): void;
}

/** Runs `fn` after `ms`; answers a cancel (setTimeout, or a fake the tests fire by hand). */
export type Later = (ms: number, fn: () => unknown) => () => void;

export const timerLater: Later = (ms, fn) => {
  const timer = setTimeout(fn, ms);
  return () => clearTimeout(timer);
};

export type JoinRefusal = { refused: 'streams' | 'subject'; limit: number };

export interface EventHubOptions {
  sources: EventSources;
  /** Who may receive each type: the roles of the route that reads it (a predict token sees no training run). */
  audience: Record<ConsoleEventType, readonly string[]>;
  maxStreams: number;
  maxStreamsPerSubject: number;
  pollMs: number;
  heartbeatMs?: number;
  later?: Later;
}

/**
 * One poller for every open stream: it runs only while a stream is open,
 * reads each source some client may receive every `pollMs` (the next read
 * waits for the last), and sends what changed to each client allowed to
 * see it. A client that joins gets the current counts and runs at once.
 */
export class EventHub {
  private readonly clients = new Set<StreamClient>();
  private readonly alerts = new AlertTracker();
  private readonly predictions = new PredictionsTracker();
  private readonly runs = new RunTracker();
  private readonly failing = new Set<ConsoleEventType>();
  /** Bumped at every start and stop, so a read that outlives its poller changes nothing. */
  private generation = 0;
  private cancelPoll: (() => void) | undefined;
  private cancelBeat: (() => void) | undefined;
  private readonly later: Later;

  constructor(private readonly o: EventHubOptions) {
    this.later = o.later ?? timerLater;
  }

  get open(): number {
    return this.clients.size;
  }

  join(client: StreamClient): { leave(): void } | JoinRefusal {
    if (this.clients.size >= this.o.maxStreams) return { refused: 'streams', limit: this.o.maxStreams };
    const mine = [...this.clients].filter((c) => c.subject === client.subject).length;
    if (mine >= this.o.maxStreamsPerSubject) return { refused: 'subject', limit: this.o.maxStreamsPerSubject };
    this.clients.add(client);
    if (this.clients.size === 1) this.start();
    const counts = this.predictions.current();
    if (counts) this.deliver(client, { event: 'predictions', data: counts });
    for (const run of this.runs.current()) this.deliver(client, { event: 'run', data: run });
    return { leave: () => this.leave(client) };
  }

  /** Ends every stream and the poller. */
  close(): void {
    const all = [...this.clients];
    this.clients.clear();
    this.stop();
    for (const client of all) client.close();
  }

  private leave(client: StreamClient): void {
    if (this.clients.delete(client) && this.clients.size === 0) this.stop();
  }

  private start(): void {
    const generation = ++this.generation;
    this.cancelPoll = this.later(0, () => this.poll(generation));
    const beat = () => {
      this.broadcast({ comment: 'heartbeat' });
      this.cancelBeat = this.later(this.o.heartbeatMs ?? 15_000, beat);
    };
    this.cancelBeat = this.later(this.o.heartbeatMs ?? 15_000, beat);
  }

  private stop(): void {
    this.generation++;
    this.cancelPoll?.();
    this.cancelBeat?.();
    this.cancelPoll = this.cancelBeat = undefined;
    this.alerts.reset();
    this.predictions.reset();
    this.runs.reset();
  }

  private async poll(generation: number): Promise<void> {
    const { sources } = this.o;
    const [alerts, counts, runs] = await Promise.all([
      this.read('alert', () => sources.alerts()),
      this.read('predictions', () => sources.predictions()),
      this.read('run', () => sources.runs()),
    ]);
    if (generation !== this.generation) return;
    if (alerts) for (const alert of this.alerts.next(alerts)) this.broadcast({ event: 'alert', data: alert });
    const changed =
      counts && this.predictions.next(ConsolePredictions.parse({ total: counts.total, per_model: counts.models }));
    if (changed) this.broadcast({ event: 'predictions', data: changed });
    if (runs) for (const run of this.runs.next(runs)) this.broadcast({ event: 'run', data: run });
    // What no open stream may see is forgotten: a client that may see it later starts from what is then.
    if (!this.wanted('alert')) this.alerts.reset();
    if (!this.wanted('predictions')) this.predictions.reset();
    if (!this.wanted('run')) this.runs.reset();
    this.cancelPoll = this.later(this.o.pollMs, () => this.poll(generation));
  }

  /** A source's answer, or undefined when no client may see it or it failed (logged once per run of failures). */
  private async read<T>(type: ConsoleEventType, call: () => Promise<T>): Promise<T | undefined> {
    if (!this.wanted(type)) return undefined;
    try {
      const value = await call();
      this.failing.delete(type);
      return value;
    } catch (err) {
      if (!this.failing.has(type))
        rootLogger().warn({ err, source: type }, 'event stream: reading a source failed; retrying every poll');
      this.failing.add(type);
      return undefined;
    }
  }

  private wanted(type: ConsoleEventType): boolean {
    return [...this.clients].some((c) => this.may(c, type));
  }

  private may(client: StreamClient, type: ConsoleEventType): boolean {
    return client.roles.some((r) => this.o.audience[type].includes(r));
  }

  private broadcast(message: StreamMessage): void {
    for (const client of [...this.clients]) this.deliver(client, message);
  }

  /** Sends the message if the client may see it; a client that cannot be written to is dropped. */
  private deliver(client: StreamClient, message: StreamMessage): void {
    if ('event' in message && !this.may(client, message.event)) return;
    try {
      client.send(message);
    } catch (err) {
      rootLogger().warn({ err, subject: client.subject }, 'event stream: a client could not be written to; closed');
      this.leave(client);
      client.close();
    }
  }
}
