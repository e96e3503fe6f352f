import express from 'express';
import { serveInProcess } from '@meridian/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, errorHandler, parseEnv } from '@meridian/service-kit';
import { ModelLimits, modelLimitEnv } from '../domain/model-limits.ts';
import type { ModelStore } from '../domain/model-store.ts';
import { limitPerModel } from './model-limit.ts';

createLogger({ name: 'test', level: 'silent' });

/** Models m, n and busy are loaded; m's and n's answers are held until the test releases them, busy answers `busyStatus` at once. */
const store = { entry: (name: string) => (['m', 'n', 'busy'].includes(name) ? {} : undefined) } as unknown as Pick<
  ModelStore,
  'entry'
>;
let busyStatus = 429;
const held: (() => void)[] = [];
const arrivals: { count: number; reached(): void }[] = [];
const heldReach = (count: number) =>
  new Promise<void>((reached) => (held.length >= count ? reached() : arrivals.push({ count, reached })));
const releaseHeld = () => held.splice(0).forEach((release) => release());

function serve(vars: Record<string, string>) {
  const limits = new ModelLimits({ env: parseEnv(modelLimitEnv, vars) });
  const app = express();
  app.get('/v2/models/:name', (req, res) => void res.json({ name: req.params.name }));
  app.post('/v2/models/:name/infer', limitPerModel({ limits, store }), (req, res) => {
    const { name } = req.params as { name: string };
    if (name === 'busy') return void res.status(busyStatus).json({ code: 'busy' });
    if (!store.entry(name)) return void res.status(404).json({ code: 'NOT_FOUND' });
    held.push(() => void res.json({ ok: true }));
    for (const a of arrivals.splice(0)) held.length >= a.count ? a.reached() : arrivals.push(a);
  });
  app.use(errorHandler);
  return { limits, served: serveInProcess(app) };
}

const fixed = serve({ SHED_MODEL_LIMIT: '2' });
const { base } = await fixed.served;
const adaptive = serve({ SHED_MODEL_LIMIT: '4..64@10' });
const adaptiveBase = (await adaptive.served).base;
afterAll(async () => {
  await (await fixed.served).close();
  await (await adaptive.served).close();
});

const infer = (model: string, at = base) => fetch(`${at}/v2/models/${model}/infer`, { method: 'POST' });
const limitOf = (limits: ModelLimits, model: string) => limits.snapshot().find((s) => s.name === model);

describe('the per-model concurrency limit', () => {
  it('when a model is at its limit, then its next infer is shed with 429 and Retry-After while other models and metadata pass; once answered, it is admitted again', async () => {
    const slow = [infer('m'), infer('m')];
    await heldReach(2);
    const shed = await infer('m');
    expect(shed.status).toBe(429);
    expect(shed.headers.get('retry-after')).toBe('1');
    expect(await shed.json()).toMatchObject({ code: 'TOO_MANY_REQUESTS', detail: expect.stringContaining('model m') });
    expect((await fetch(`${base}/v2/models/m`)).status).toBe(200);
    const other = infer('n');
    await heldReach(3);
    expect(limitOf(fixed.limits, 'm')).toMatchObject({ limit: 2, inflight: 2, shed: 1 });
    expect(limitOf(fixed.limits, 'n')).toMatchObject({ inflight: 1, shed: 0 });

    releaseHeld();
    expect((await Promise.all([...slow, other])).map((r) => r.status)).toEqual([200, 200, 200]);
    const again = infer('m');
    await heldReach(1);
    releaseHeld();
    expect((await again).status).toBe(200);
  });

  it('when a model is unknown, then the request goes on to its 404 and no limit is made for the name', async () => {
    expect((await infer('nobody')).status).toBe(404);
    expect(limitOf(fixed.limits, 'nobody')).toBeUndefined();
  });

  it('when the model answers that its queue is full, then its limit backs off; refusals of bad requests leave it alone', async () => {
    busyStatus = 400;
    for (let i = 0; i < 3; i++) expect((await infer('busy', adaptiveBase)).status).toBe(400);
    expect(limitOf(adaptive.limits, 'busy')?.limit).toBe(10);
    busyStatus = 429;
    for (let i = 0; i < 3; i++) expect((await infer('busy', adaptiveBase)).status).toBe(429);
    expect(limitOf(adaptive.limits, 'busy')).toMatchObject({ limit: 7, inflight: 0, shed: 0 });
  });
});
