import type { Express, Request } from 'express';
import { z } from 'zod';
import { ModelPolicy } from '@meridian/contracts';
import { AppError, parseOrThrow } from '@meridian/service-kit';
import type { ModelStore } from '../domain/model-store.ts';
import type { ShadowStats } from '../domain/shadow-stats.ts';

const LoadBody = z.object({ parameters: z.object({ version: z.string().optional() }).optional() }).optional();
const name = (req: Request) => (req.params as { name: string }).name;

/** Model repository extension (index, load, unload), traffic policies, shadow results (metrics: service-kit's GET /metrics). */
export function adminRoutes(app: Express, deps: { store: ModelStore; shadow: ShadowStats }): void {
  const { store } = deps;
  app.post('/v2/repository/index', async (_req, res) => void res.json(await store.index()));
  app.post('/v2/repository/models/:name/load', async (req, res) => {
    const body = parseOrThrow(LoadBody, req.body, 'load request');
    res.json({ name: name(req), loaded: await store.load(name(req), body?.parameters?.version) });
  });
  app.post('/v2/repository/models/:name/unload', async (req, res) => {
    const body = parseOrThrow(LoadBody, req.body, 'unload request');
    res.json({ name: name(req), unloaded: await store.unload(name(req), body?.parameters?.version) });
  });
  app.get('/v2/models/:name/policy', (req, res) => {
    const entry = store.entry(name(req));
    if (!entry) throw new AppError({ code: 'NOT_FOUND', message: `unknown model ${name(req)}` });
    res.json(entry.policy);
  });
  app.put('/v2/models/:name/policy', async (req, res) => {
    const policy = parseOrThrow(ModelPolicy, req.body, 'model policy');
    await store.setPolicy(name(req), policy);
    res.json(policy);
  });
  app.get('/v2/models/:name/shadow', (req, res) => {
    const summary = deps.shadow.summary(name(req));
    if (!summary) throw new AppError({ code: 'NOT_FOUND', message: `no shadow results for ${name(req)}` });
    res.json(summary);
  });
}
