import express from 'express';
import { serveInProcess } from '@meridian/testkit';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger, errorHandler } from '@meridian/service-kit';
import { AuditLog } from '../domain/audit-log.ts';
import { MemoryStateStore, memoryAuditStore } from '../testing/fakes.ts';
import { canonicalTarget } from '../domain/edge-path.ts';
import { auditAction, auditList } from './audit.ts';

createLogger({ name: 'test', level: 'silent' });
const state = new MemoryStateStore();
const audit = new AuditLog({ store: memoryAuditStore(state) });
let forwarded = 0;

// Stands in for routing, authentication and forwarding: the upstream answers with the status the test asks for.
const app = express();
app.use(express.json({ limit: '1mb' }));
app.use(function fakeAuth(req, res, next) {
  res.locals.subject = req.header('x-test-subject') ?? 'alice';
  res.locals.roles = ['admin'];
  res.locals.path = canonicalTarget(req.originalUrl).path;
  next();
});
const forward: express.RequestHandler = (req, res) => {
  forwarded++;
  res.status(Number(req.header('x-test-status') ?? 200)).json({ done: true });
};
app.post(
  /^\/v1\/registry\/models\/[^/]+\/versions\/[^/]+\/stage$/,
  auditAction({ audit, action: 'registry.stage', target: 'registry' }),
  forward,
);
app.get('/v1/features/offline', auditAction({ audit, action: 'features.offline-read', target: 'features' }), forward);
app.get('/v1/audit', auditList({ audit }));
app.use(errorHandler);

const served = await serveInProcess(app);
const base = served.base;
afterAll(() => served.close());
beforeEach(() => {
  state.down = false;
  forwarded = 0;
});

const stage = (o: { id?: string; body?: unknown; status?: number } = {}) =>
  fetch(`${base}/v1/registry/models/m/versions/3/stage`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(o.id ? { 'x-request-id': o.id } : {}),
      ...(o.status ? { 'x-test-status': String(o.status) } : {}),
    },
    body: JSON.stringify(o.body ?? { stage: 'production', reason: 'better auc' }),
  });
const listed = async (query = '') =>
  (await (await fetch(`${base}/v1/audit${query}`)).json()) as { entries: Record<string, any>[] };
const entryOf = async (id: string) => (await listed()).entries.find((e) => e.id === id);

describe('auditAction', () => {
  it('when the action passes, then one entry is written before forwarding and its outcome after the answer', async () => {
    const res = await stage({ id: 'stage-1', status: 201 });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('stage-1');
    await vi.waitFor(async () =>
      expect((await entryOf('stage-1'))?.outcome).toMatchObject({ entry_id: 'stage-1', status: 201, ok: true }),
    );
    expect(await entryOf('stage-1')).toMatchObject({
      subject: 'alice',
      roles: ['admin'],
      action: 'registry.stage',
      method: 'POST',
      target: 'registry',
      path: '/v1/registry/models/m/versions/3/stage',
      summary: { stage: 'production', reason: 'better auc' },
    });
    expect(state.values('audit:entry:stage-1')).toHaveLength(1);
  });

  it('when the body names a subject, then the entry keeps the verified one', async () => {
    await stage({ id: 'stage-2', body: { stage: 'archived', registered_by: 'mallory', subject: 'mallory' } });
    expect(await entryOf('stage-2')).toMatchObject({ subject: 'alice', summary: { registered_by: 'mallory' } });
  });

  it('when the body carries an artifact or long text, then the summary leaves it out or caps it', async () => {
    await stage({
      id: 'stage-3',
      body: { stage: 'staging', artifact: 'QUJD'.repeat(10_000), reason: 'r'.repeat(500) },
    });
    const entry = await entryOf('stage-3');
    expect(entry?.summary.artifact).toBeUndefined();
    expect(entry?.summary.reason).toBe(`${'r'.repeat(200)}… (500 chars)`);
  });

  it('when the store is down, then the admin action is refused with 503 and never forwarded', async () => {
    state.down = true;
    const res = await stage({ id: 'stage-4' });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(forwarded).toBe(0);
  });

  it('when the upstream fails, then the outcome says so', async () => {
    await stage({ id: 'stage-5', status: 502 });
    await vi.waitFor(async () => expect((await entryOf('stage-5'))?.outcome).toMatchObject({ status: 502, ok: false }));
  });

  it('when a finished request id is sent again, then it is refused as a conflict and not forwarded', async () => {
    await stage({ id: 'stage-6' });
    await vi.waitFor(async () => expect((await entryOf('stage-6'))?.outcome).not.toBeNull());
    forwarded = 0;
    expect((await stage({ id: 'stage-6' })).status).toBe(409);
    expect(forwarded).toBe(0);
  });

  it('when no usable request id is sent, then the gateway makes one and returns it', async () => {
    const res = await stage({ id: 'bad id with spaces' });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await entryOf(id!)).toBeDefined();
  });

  it('when a read is audited, then its query is the summary', async () => {
    await fetch(`${base}/v1/features/offline?entity=42&from=2026-11-01`, { headers: { 'x-request-id': 'read-1' } });
    expect(await entryOf('read-1')).toMatchObject({
      method: 'GET',
      path: '/v1/features/offline',
      summary: { query: { entity: '42', from: '2026-11-01' } },
    });
  });
});

describe('GET /v1/audit', () => {
  it('when the query is valid, then entries come newest first with the filters applied', async () => {
    const { entries } = await listed('?limit=3&action=registry.stage');
    expect(entries).toHaveLength(3);
    const times = entries.map((e) => e.at as string);
    expect([...times].sort().reverse()).toEqual(times);
    expect((await listed('?subject=nobody')).entries).toEqual([]);
  });

  it('when the query is invalid, then the answer is a 400 listing every problem', async () => {
    const res = await fetch(`${base}/v1/audit?limit=5000&from=yesterday&action=Bad Action`);
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path).sort()).toEqual(['action', 'from', 'limit']);
  });
});
