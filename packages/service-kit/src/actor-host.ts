import { Router, type Request, type Response } from 'express';
import type { ActorEnvelope } from './actor-client.ts';
import { AppError } from './errors.ts';
import { requestLogger } from './logger.ts';
import { ActorActivity, timeActorCall } from './metrics/actors.ts';
import { metricsOf, type MetricsRegistry } from './metrics/registry.ts';

/** One actor type: its methods, and what it does when a reminder fires or Dapr deactivates it. */
export interface ActorType {
  methods: Record<string, (o: { id: string; body: unknown }) => Promise<unknown>>;
  reminder?: (o: { id: string; name: string; data: unknown }) => Promise<void>;
  deactivate?: (id: string) => Promise<void>;
  /** Go duration after which an idle actor is deactivated (default: the host's). */
  idleTimeout?: string;
}

/** Reminder data comes back as the JSON that was set, or base64 of it (SDK-compatible form). */
function reminderData(body: unknown): unknown {
  const data = (body as { data?: unknown } | undefined)?.data;
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
  } catch {
    return data;
  }
}

function envelope(err: unknown): ActorEnvelope<never> | undefined {
  if (!(err instanceof AppError)) return undefined;
  return {
    ok: false,
    problem: { code: err.code, message: err.message, ...(err.errors ? { errors: err.errors } : {}) },
  };
}

/**
 * The app side of Dapr's HTTP actor protocol: the sidecar reads the hosted
 * types from GET /dapr/config, and calls PUT /actors/{type}/{id}/method/{m},
 * .../method/remind/{name} and DELETE /actors/{type}/{id}. Turn-based
 * concurrency is the sidecar's (one call per actor id at a time, across
 * replicas, through placement), so a method may read, decide and write.
 * Methods answer 200 with an envelope; only a bug answers 500. Active actors
 * and method durations go to `metrics`, else to the registry of the app that
 * mounts the router (createServiceApp's).
 */
export function actorHost(o: {
  types: Record<string, ActorType>;
  idleTimeout?: string;
  drainTimeout?: string;
  metrics?: MetricsRegistry;
}): Router {
  const router = Router();
  const activity = new ActorActivity();
  const registryOf = (req: Request) => o.metrics ?? metricsOf(req.app);
  /** Who the call is for, once the type is known to be hosted: it activates the actor if it was not active. */
  const callee = (req: Request, method: string) => {
    const who = { registry: registryOf(req), type: String(req.params.type), id: String(req.params.id) };
    activity.called(who);
    return { ...who, method };
  };
  const typeOf = (req: Request): ActorType => {
    const t = Object.hasOwn(o.types, String(req.params.type)) ? o.types[String(req.params.type)] : undefined;
    if (!t) throw new AppError({ code: 'NOT_FOUND', message: `no actor type "${req.params.type}"` });
    return t;
  };

  router.get('/dapr/config', (_req, res) => {
    res.json({
      entities: Object.keys(o.types),
      actorIdleTimeout: o.idleTimeout ?? '15m',
      drainOngoingCallTimeout: o.drainTimeout ?? '30s',
      drainRebalancedActors: true,
      entitiesConfig: Object.entries(o.types)
        .filter(([, t]) => t.idleTimeout)
        .map(([name, t]) => ({ entities: [name], actorIdleTimeout: t.idleTimeout })),
    });
  });

  router.put('/actors/:type/:id/method/remind/:name', async (req: Request, res: Response) => {
    const t = typeOf(req);
    await timeActorCall(callee(req, 'remind'), async () => {
      await t.reminder?.({ id: String(req.params.id), name: String(req.params.name), data: reminderData(req.body) });
    });
    res.status(200).json({});
  });

  router.put('/actors/:type/:id/method/:method', async (req: Request, res: Response) => {
    const t = typeOf(req);
    const method = String(req.params.method);
    const fn = Object.hasOwn(t.methods, method) ? t.methods[method] : undefined;
    if (!fn) {
      res.status(200).json(envelope(new AppError({ code: 'NOT_FOUND', message: `no actor method "${method}"` })));
      return;
    }
    try {
      const value = await timeActorCall(callee(req, method), () => fn({ id: String(req.params.id), body: req.body }));
      res.status(200).json({ ok: true, value: value ?? null });
    } catch (err) {
      const answer = envelope(err);
      if (!answer) throw err;
      res.status(200).json(answer);
    }
  });

  router.delete('/actors/:type/:id', async (req: Request, res: Response) => {
    const t = typeOf(req);
    activity.deactivated({ registry: registryOf(req), type: String(req.params.type), id: String(req.params.id) });
    try {
      await t.deactivate?.(String(req.params.id));
    } catch (err) {
      // Deactivation is advisory: the state is already durable, so a failure here loses nothing.
      requestLogger().warn({ err, type: req.params.type }, 'actor deactivation failed');
    }
    res.status(200).json({});
  });
  return router;
}
