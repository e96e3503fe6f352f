import { describe, expect, it } from 'vitest';
import { ActorClient, type ActorStateOperation } from './actor-client.ts';
import type { DaprClient, SidecarResponse } from './dapr-client.ts';
import { AppError } from './errors.ts';

type Call = Parameters<DaprClient['call']>[0];

function answer(status: number, body?: unknown): SidecarResponse {
  const buf = Buffer.from(body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body));
  return {
    status,
    headers: {},
    body: buf,
    ok: status >= 200 && status < 300,
    text: () => buf.toString('utf8'),
    json: <T>() => JSON.parse(buf.toString('utf8')) as T,
  };
}

/** A sidecar that answers every call with `reply` and keeps what it was asked. */
function fakeSidecar(reply: SidecarResponse) {
  const calls: Call[] = [];
  const dapr = {
    call: async (o: Call) => {
      calls.push(o);
      return reply;
    },
  };
  return { calls, actors: new ActorClient(dapr as unknown as DaprClient) };
}

const ref = { type: 'session', id: 't1.s/1' };
const failure = async (p: Promise<unknown>) => {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
};

describe('ActorClient.invoke', () => {
  it('when the actor answers {ok: true}, then its value is returned, from a PUT to the encoded method path', async () => {
    const { calls, actors } = fakeSidecar(answer(200, { ok: true, value: { reply: 'hi' } }));
    expect(await actors.invoke({ ...ref, method: 'message', body: { content: 'x' }, timeoutMs: 5000 })).toEqual({
      reply: 'hi',
    });
    expect(calls).toEqual([
      {
        what: 'actor session.message',
        method: 'PUT',
        path: '/v1.0/actors/session/t1.s%2F1/method/message',
        body: { content: 'x' },
        timeoutMs: 5000,
      },
    ]);
  });

  it('when no body is given, then an empty object is sent', async () => {
    const { calls, actors } = fakeSidecar(answer(200, { ok: true, value: null }));
    await actors.invoke({ ...ref, method: 'view' });
    expect(calls[0]).toMatchObject({ body: {} });
    expect(calls[0]).not.toHaveProperty('timeoutMs');
  });

  it('when the actor answers {ok: false}, then an AppError with the same code, message and field errors is thrown', async () => {
    const problem = { code: 'TOO_MANY_REQUESTS', message: 'budget spent', errors: [{ path: 'n', message: 'no' }] };
    const { actors } = fakeSidecar(answer(200, { ok: false, problem }));
    const err = await failure(actors.invoke({ ...ref, method: 'message' }));
    expect(err).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      message: 'budget spent',
      errors: problem.errors,
      status: 429,
    });
  });

  it('when the sidecar answers non-2xx, then it is UNAVAILABLE with a retry-after', async () => {
    const { actors } = fakeSidecar(answer(500, { errorCode: 'ERR_ACTOR_INVOKE_METHOD', message: 'no placement' }));
    const err = await failure(actors.invoke({ ...ref, method: 'message' }));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toContain('no placement');
    expect(err.headers).toEqual({ 'retry-after': '1' });
  });
});

describe('ActorClient state', () => {
  it('when a key is absent (204), then getState answers undefined', async () => {
    const { calls, actors } = fakeSidecar(answer(204));
    expect(await actors.getState({ ...ref, key: 'client:a/b' })).toBeUndefined();
    expect(calls).toEqual([
      { what: 'get actor state', method: 'GET', path: '/v1.0/actors/session/t1.s%2F1/state/client%3Aa%2Fb' },
    ]);
  });

  it('when a key is present, then getState answers its JSON', async () => {
    const { actors } = fakeSidecar(answer(200, { seq: 3 }));
    expect(await actors.getState({ ...ref, key: 'meta' })).toEqual({ seq: 3 });
  });

  it('when the sidecar fails a read with a message, then getState throws', async () => {
    const { actors } = fakeSidecar(answer(500, 'state store down'));
    expect((await failure(actors.getState({ ...ref, key: 'meta' }))).code).toBe('BAD_GATEWAY');
  });

  it('when the sidecar fails a read with an empty body, then getState throws rather than answering "absent"', async () => {
    const { actors } = fakeSidecar(answer(500));
    expect((await failure(actors.getState({ ...ref, key: 'meta' }))).code).toBe('BAD_GATEWAY');
  });

  it('when a transaction is written, then the operations array is POSTed as it is', async () => {
    const operations: ActorStateOperation[] = [
      { operation: 'upsert', request: { key: 'msg:1', value: { a: 1 }, metadata: { ttlInSeconds: '60' } } },
      { operation: 'delete', request: { key: 'msg:0' } },
    ];
    const { calls, actors } = fakeSidecar(answer(204));
    await actors.transaction({ ...ref, operations });
    expect(calls).toEqual([
      {
        what: 'actor state transaction',
        method: 'POST',
        path: '/v1.0/actors/session/t1.s%2F1/state',
        body: operations,
      },
    ]);
  });

  it('when a transaction has no operations, then nothing is sent', async () => {
    const { calls, actors } = fakeSidecar(answer(204));
    await actors.transaction({ ...ref, operations: [] });
    expect(calls).toEqual([]);
  });

  it('when a transaction fails, then it throws BAD_GATEWAY', async () => {
    const { actors } = fakeSidecar(answer(500, 'etag mismatch'));
    const operations: ActorStateOperation[] = [{ operation: 'delete', request: { key: 'k' } }];
    expect((await failure(actors.transaction({ ...ref, operations }))).code).toBe('BAD_GATEWAY');
  });
});

describe('ActorClient reminders', () => {
  it('when a reminder is set, then its body carries dueTime, period and data at the encoded path', async () => {
    const { calls, actors } = fakeSidecar(answer(204));
    await actors.setReminder({ ...ref, name: 'expire ap/1', dueTime: '10m', period: '1m', data: { id: 'ap-1' } });
    await actors.setReminder({ ...ref, name: 'once', dueTime: '2026-01-05T10:00:00Z' });
    expect(calls).toEqual([
      {
        what: 'create reminder',
        method: 'POST',
        path: '/v1.0/actors/session/t1.s%2F1/reminders/expire%20ap%2F1',
        body: { dueTime: '10m', period: '1m', data: { id: 'ap-1' } },
      },
      {
        what: 'create reminder',
        method: 'POST',
        path: '/v1.0/actors/session/t1.s%2F1/reminders/once',
        body: { dueTime: '2026-01-05T10:00:00Z', data: null },
      },
    ]);
  });

  it('when setting a reminder fails, then it throws', async () => {
    const { actors } = fakeSidecar(answer(500, 'scheduler down'));
    expect((await failure(actors.setReminder({ ...ref, name: 'r', dueTime: '1s' }))).code).toBe('BAD_GATEWAY');
  });

  it('when a reminder to delete is already gone (404), then deleteReminder succeeds; another failure throws', async () => {
    const gone = fakeSidecar(answer(404, 'not found'));
    await expect(gone.actors.deleteReminder({ ...ref, name: 'refresh' })).resolves.toBeUndefined();
    expect(gone.calls[0]).toEqual({
      what: 'delete reminder',
      method: 'DELETE',
      path: '/v1.0/actors/session/t1.s%2F1/reminders/refresh',
    });
    const down = fakeSidecar(answer(503, 'unavailable'));
    expect((await failure(down.actors.deleteReminder({ ...ref, name: 'refresh' }))).code).toBe('BAD_GATEWAY');
  });
});
