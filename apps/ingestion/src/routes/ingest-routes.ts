import type { Express, NextFunction, Request, Response } from 'express';
import { IngestBacklogProblem, PROBLEM_CONTENT_TYPE, type IngestBacklog } from '@meridian/contracts';
import { AppError, callerSubject, problemBody, requestLogger } from '@meridian/service-kit';
import type { Backpressure } from '../domain/backpressure.ts';
import { brokerUnavailable, ingestAnswer, intake, type IntakeDeps, type IntakeOutcome } from '../domain/intake.ts';
import type { StreamSpec } from '../domain/streams.ts';

export interface IngestRouteDeps extends IntakeDeps {
  streams: Record<string, StreamSpec>;
  backpressure: Pick<Backpressure, 'admitWaiting'>;
}

/** Input bindings post to /<binding name>: one per stream that a broker feeds. */
export const BINDING_ROUTES: Record<string, string> = { 'sensor-readings': '/sensor-readings-mqtt' };

function streamOf(deps: IngestRouteDeps, name: string): StreamSpec {
  const spec = Object.hasOwn(deps.streams, name) ? deps.streams[name] : undefined;
  if (!spec)
    throw new AppError({
      code: 'NOT_FOUND',
      message: `no stream "${name}" (streams: ${Object.keys(deps.streams).join(', ')})`,
    });
  return spec;
}

function logOutcome(o: { stream: string; source: string; outcome: IntakeOutcome; subject?: string }): void {
  const { rejections, ...counts } = o.outcome;
  // Indexes, fields and reasons only: they name fields and rules, never values.
  requestLogger().info(
    { stream: o.stream, source: o.source, subject: o.subject, ...counts, rejections },
    'batch taken in',
  );
}

/**
 * 429, not 503: the remedy is the caller's (slow down, as for the gateway's shedding), and the gateway
 * relays a 4xx as it is, backlog and all, while it turns a 503 into a bare "unavailable" and shrinks its
 * ingest limit as if ingestion were failing. 503 stays the answer for a broker that did not take a batch.
 */
function refuseForBacklog(o: { req: Request; res: Response; backlog: IngestBacklog }): void {
  const { backlog } = o;
  const err = new AppError({
    code: 'TOO_MANY_REQUESTS',
    message:
      `${backlog.records} record(s) of ${backlog.stream} are accepted but not yet processed, and a batch of ` +
      `${backlog.batch_records} does not fit under the bound of ${backlog.max_records}; nothing of it was ` +
      `published: retry it whole after ${backlog.retry_after_seconds} s`,
  });
  const body = IngestBacklogProblem.parse({ ...problemBody(err, o.req.originalUrl), backlog });
  // Debug: under overload every request would log this; the completion line and the refusals metric count them.
  requestLogger().debug({ ...backlog }, 'batch refused: backlog full');
  o.res
    .status(err.status)
    .setHeader('retry-after', String(backlog.retry_after_seconds))
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(body));
}

export function ingestRoutes(app: Express, deps: IngestRouteDeps): void {
  app.get('/v1/ingest/streams', (_req, res) => {
    res.json(Object.values(deps.streams).map((s) => ({ name: s.name, topic: s.topic, pii_fields: s.pii })));
  });

  app.get('/v1/ingest/streams/:stream/stats', async (req, res) => {
    res.json(await deps.stats.get(streamOf(deps, req.params.stream).name));
  });

  app.post('/v1/ingest/:stream', async (req, res) => {
    const spec = streamOf(deps, req.params.stream);
    // Counted before validation: a batch that will be refused as malformed is small change against the bound.
    const records = Array.isArray(req.body) ? req.body.length : 1;
    const admission = await deps.backpressure.admitWaiting({ stream: spec.name, records });
    if (!admission.ok) return refuseForBacklog({ req, res, backlog: admission.backlog });
    try {
      const outcome = await intake(deps, { spec, body: req.body, nonObjects: 'refuse-batch' });
      logOutcome({ stream: spec.name, source: 'http', outcome, subject: callerSubject(req) });
      if (outcome.unpublished) throw brokerUnavailable({ stream: spec.name, outcome });
      res.status(202).json(ingestAnswer(outcome));
    } finally {
      admission.done();
    }
  });

  // The binding is not refused: a non-2xx only moves its messages into the broker's queue for ingestion,
  // which drops past the same limit; what it takes in still counts towards the backlog HTTP batches see.
  for (const [stream, route] of Object.entries(BINDING_ROUTES)) {
    const spec = streamOf(deps, stream);
    app.post(route, async (req, res) => {
      // A binding delivers one reading or an array of them.
      const body = Array.isArray(req.body) ? req.body : [req.body];
      const outcome = await intake(deps, { spec, body, nonObjects: 'reject-record' });
      logOutcome({ stream: spec.name, source: route.slice(1), outcome });
      // A non-2xx makes the binding retry; that is what a broker outage needs, and nothing else does.
      if (outcome.unpublished) throw brokerUnavailable({ stream: spec.name, outcome });
      res.status(200).json(ingestAnswer(outcome));
    });
    // A message that is not JSON can never succeed: dead-letter it as a rejected record instead of answering 400 forever.
    app.use(route, async (err: unknown, _req: Request, res: Response, next: NextFunction) => {
      const e = err as { type?: string; body?: unknown };
      if (e?.type !== 'entity.parse.failed') return next(err);
      try {
        const raw = spec.pii.length
          ? { note: 'not JSON; content withheld (the stream has PII fields)' }
          : { not_json: String(e.body ?? '').slice(0, 4096) };
        const outcome = await intake(deps, { spec, body: [raw], nonObjects: 'reject-record' });
        logOutcome({ stream: spec.name, source: route.slice(1), outcome });
        if (outcome.unpublished) throw brokerUnavailable({ stream: spec.name, outcome });
        res.status(200).json({ ...ingestAnswer(outcome), accepted: 0 });
      } catch (inner) {
        next(inner);
      }
    });
  }
}
