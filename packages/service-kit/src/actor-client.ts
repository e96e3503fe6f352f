import type { DaprClient } from './dapr-client.ts';
import { AppError, type ErrorCode, type FieldError } from './errors.ts';

/**
 * What an actor method answers over Dapr: always HTTP 200, because daprd turns
 * any other status into an opaque 500 for the caller. An expected failure
 * (404, 429, a bad argument) travels as a value and is thrown again here.
 */
export type ActorEnvelope<T> =
  | { ok: true; value: T }
  | { ok: false; problem: { code: ErrorCode; message: string; errors?: FieldError[] } };

export type ActorStateOperation =
  | { operation: 'upsert'; request: { key: string; value: unknown; metadata?: Record<string, string> } }
  | { operation: 'delete'; request: { key: string } };

export interface ActorRef {
  type: string;
  id: string;
}

const base = (a: ActorRef) => `/v1.0/actors/${encodeURIComponent(a.type)}/${encodeURIComponent(a.id)}`;

/**
 * The actor building block through this app's own sidecar (the HTTP actor
 * API): method calls placed by placement, per-actor state, and reminders.
 * Written against the HTTP protocol rather than @dapr/dapr's actor runtime
 * (see docs/agents.md for why).
 */
export class ActorClient {
  constructor(private readonly dapr: DaprClient) {}

  /** Calls one actor method; one call per actor id runs at a time (Dapr's turn-based concurrency). */
  async invoke<T>(o: ActorRef & { method: string; body?: unknown; timeoutMs?: number }): Promise<T> {
    const res = await this.dapr.call({
      what: `actor ${o.type}.${o.method}`,
      method: 'PUT',
      path: `${base(o)}/method/${encodeURIComponent(o.method)}`,
      body: o.body ?? {},
      ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
    });
    if (!res.ok) {
      throw new AppError({
        code: 'UNAVAILABLE',
        message: `actor ${o.type} could not be reached (${res.status}): ${res.text().slice(0, 200)}`,
        headers: { 'retry-after': '1' },
      });
    }
    const envelope = res.json<ActorEnvelope<T>>();
    if (envelope.ok) return envelope.value;
    throw new AppError({
      code: envelope.problem.code,
      message: envelope.problem.message,
      ...(envelope.problem.errors ? { errors: envelope.problem.errors } : {}),
    });
  }

  async getState<T>(o: ActorRef & { key: string }): Promise<T | undefined> {
    const res = await this.dapr.call({
      what: 'get actor state',
      method: 'GET',
      path: `${base(o)}/state/${encodeURIComponent(o.key)}`,
    });
    if (!res.ok) throw actorFailure(res.status, res.text(), `get actor state ${o.key}`);
    if (res.status === 204 || res.body.length === 0) return undefined;
    return res.json<T>();
  }

  /** Writes and deletes keys of one actor atomically (`metadata.ttlInSeconds` expires a key). */
  async transaction(o: ActorRef & { operations: ActorStateOperation[] }): Promise<void> {
    if (!o.operations.length) return;
    const res = await this.dapr.call({
      what: 'actor state transaction',
      method: 'POST',
      path: `${base(o)}/state`,
      body: o.operations,
    });
    if (!res.ok) throw actorFailure(res.status, res.text(), 'actor state transaction');
  }

  /** A reminder survives restarts (the scheduler keeps it); `dueTime` is a Go duration ("90s") or RFC 3339. */
  async setReminder(o: ActorRef & { name: string; dueTime: string; period?: string; data?: unknown }): Promise<void> {
    const res = await this.dapr.call({
      what: 'create reminder',
      method: 'POST',
      path: `${base(o)}/reminders/${encodeURIComponent(o.name)}`,
      body: { dueTime: o.dueTime, ...(o.period ? { period: o.period } : {}), data: o.data ?? null },
    });
    if (!res.ok) throw actorFailure(res.status, res.text(), `create reminder ${o.name}`);
  }

  async deleteReminder(o: ActorRef & { name: string }): Promise<void> {
    const res = await this.dapr.call({
      what: 'delete reminder',
      method: 'DELETE',
      path: `${base(o)}/reminders/${encodeURIComponent(o.name)}`,
    });
    if (!res.ok && res.status !== 404) throw actorFailure(res.status, res.text(), `delete reminder ${o.name}`);
  }
}

function actorFailure(status: number, text: string, what: string): AppError {
  return new AppError({
    code: status === 404 ? 'NOT_FOUND' : 'BAD_GATEWAY',
    message: `${what} failed (${status}): ${text.slice(0, 300)}`,
  });
}
