import { Router, type Request } from 'express';
import type { z } from 'zod';
import { requestLogger } from './logger.ts';

/** What a handler tells Dapr: done, try again later, or never deliver again. */
export type DeliveryResult = 'SUCCESS' | 'RETRY' | 'DROP';

export interface Subscription<T = unknown> {
  pubsub: string;
  topic: string;
  route: string;
  schema: z.ZodType<T>;
  handle(data: T, meta: { id: string | undefined; topic: string }): Promise<DeliveryResult>;
}

/**
 * Builds a subscription while keeping the schema and handler types joined;
 * the result is erased to `unknown`, which is safe because the router only
 * calls `handle` with what `schema` produced.
 */
export function subscription<T>(s: Subscription<T>): Subscription<unknown> {
  return s as Subscription<unknown>;
}

/**
 * One table of subscriptions generates both `GET /dapr/subscribe` and the
 * handlers. A payload that fails its schema can never succeed, so it is
 * dropped (and logged); a thrown error is a passing failure, so it is retried.
 */
export function subscriptionRouter(subs: Subscription<unknown>[]): Router {
  const router = Router();
  const table = subs;
  router.get('/dapr/subscribe', function listSubscriptions(_req, res) {
    res.json(table.map((s) => ({ pubsubname: s.pubsub, topic: s.topic, route: s.route })));
  });
  for (const s of table) {
    router.post(s.route, async function deliver(req: Request, res) {
      const log = requestLogger();
      const envelope = (req.body ?? {}) as { id?: string; data?: unknown };
      const parsed = s.schema.safeParse(envelope.data);
      if (!parsed.success) {
        log.warn({ topic: s.topic, id: envelope.id, issues: parsed.error.issues }, 'dropping message that fails its schema');
        res.json({ status: 'DROP' });
        return;
      }
      try {
        const status = await s.handle(parsed.data, { id: envelope.id, topic: s.topic });
        res.json({ status });
      } catch (err) {
        log.warn({ err, topic: s.topic, id: envelope.id }, 'message handling failed; asking Dapr to retry');
        res.json({ status: 'RETRY' });
      }
    });
  }
  return router;
}
