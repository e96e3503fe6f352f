import { serveInProcess } from '@meridian/testkit';
import express from 'express';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { actorHost, type ActorType } from './actor-host.ts';
import { AppError, errorHandler } from './errors.ts';
import { createLogger } from './logger.ts';

const logged: string[] = [];
createLogger({
  name: 'actor-host-test',
  level: 'warn',
  destination: { write: (line: string) => void logged.push(line) },
});

const seen: { what: string; id: string; name?: string; body?: unknown }[] = [];
const counter: ActorType = {
  methods: {
    async add({ id, body }) {
      seen.push({ what: 'add', id, body });
      return { id, total: (body as { n: number }).n + 1 };
    },
    async nothing() {
      return undefined;
    },
    async busy() {
      throw new AppError({
        code: 'TOO_MANY_REQUESTS',
        message: 'slow down',
        errors: [{ path: 'n', message: 'too big' }],
      });
    },
    async bug() {
      throw new Error('a bug');
    },
  },
  async reminder({ id, name, data }) {
    seen.push({ what: 'reminder', id, name, body: data });
  },
  async deactivate(id) {
    seen.push({ what: 'deactivate', id });
    if (id === 'fragile') throw new Error('could not flush');
  },
  idleTimeout: '5m',
};

const app = express();
app.use(express.json());
app.use(actorHost({ types: { counter, plain: { methods: {} } }, idleTimeout: '1h' }));
app.use(errorHandler);
const served = await serveInProcess(app);
afterAll(() => served.close());

beforeEach(() => {
  seen.length = 0;
  logged.length = 0;
});

const put = (path: string, body: unknown = {}) =>
  fetch(`${served.base}${path}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('actorHost', () => {
  it('when the sidecar reads /dapr/config, then it lists the types, the idle timeout and per-type overrides', async () => {
    const res = await fetch(`${served.base}/dapr/config`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      entities: ['counter', 'plain'],
      actorIdleTimeout: '1h',
      drainOngoingCallTimeout: '30s',
      drainRebalancedActors: true,
      entitiesConfig: [{ entities: ['counter'], actorIdleTimeout: '5m' }],
    });
  });

  it('when a method answers, then the call is 200 {ok: true, value} and the method saw the id and body', async () => {
    const res = await put('/actors/counter/c%201/method/add', { n: 41 });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, value: { id: 'c 1', total: 42 } });
    expect(seen).toEqual([{ what: 'add', id: 'c 1', body: { n: 41 } }]);
  });

  it('when a method answers nothing, then the value is null', async () => {
    expect(await (await put('/actors/counter/c1/method/nothing')).json()).toEqual({ ok: true, value: null });
  });

  it('when a method throws an AppError, then the call is still 200, with the problem as a value', async () => {
    const res = await put('/actors/counter/c1/method/busy');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      ok: false,
      problem: { code: 'TOO_MANY_REQUESTS', message: 'slow down', errors: [{ path: 'n', message: 'too big' }] },
    });
  });

  it.each(['missing', 'toString', 'constructor'])(
    'when method "%s" is not hosted, then 200 with a NOT_FOUND envelope',
    async (m) => {
      const res = await put(`/actors/counter/c1/method/${m}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ ok: false, problem: { code: 'NOT_FOUND' } });
    },
  );

  it.each(['ghost', 'toString'])(
    'when actor type "%s" is not hosted, then the error handler answers 404',
    async (t) => {
      const res = await put(`/actors/${t}/c1/method/add`, { n: 1 });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: 'NOT_FOUND' });
      expect((await fetch(`${served.base}/actors/${t}/c1`, { method: 'DELETE' })).status).toBe(404);
    },
  );

  it('when a method throws anything else, then the call is a 500 (a bug, not a value)', async () => {
    const res = await put('/actors/counter/c1/method/bug');
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ code: 'INTERNAL' });
  });

  it('when a reminder fires with plain JSON data, then reminder() gets the data as sent', async () => {
    const res = await put('/actors/counter/c1/method/remind/refresh', { data: { every: '20s' }, dueTime: '20s' });
    expect(res.status).toBe(200);
    expect(seen).toEqual([{ what: 'reminder', id: 'c1', name: 'refresh', body: { every: '20s' } }]);
  });

  it('when a reminder fires with base64 JSON data, then reminder() gets it decoded', async () => {
    const data = Buffer.from(JSON.stringify({ run: 'r-1', tries: 2 })).toString('base64');
    await put('/actors/counter/c1/method/remind/retry', { data });
    expect(seen).toEqual([{ what: 'reminder', id: 'c1', name: 'retry', body: { run: 'r-1', tries: 2 } }]);
  });

  it('when a reminder fires for a type without reminders, then it is 200 and nothing runs', async () => {
    expect((await put('/actors/plain/p1/method/remind/refresh', { data: null })).status).toBe(200);
    expect(seen).toEqual([]);
  });

  it('when Dapr deactivates an actor, then deactivate() runs, and a failure there is logged but still answered 200', async () => {
    expect((await fetch(`${served.base}/actors/counter/c1`, { method: 'DELETE' })).status).toBe(200);
    const res = await fetch(`${served.base}/actors/counter/fragile`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(seen).toEqual([
      { what: 'deactivate', id: 'c1' },
      { what: 'deactivate', id: 'fragile' },
    ]);
    expect(logged.join('\n')).toContain('actor deactivation failed');
  });
});
