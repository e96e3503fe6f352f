import type { Express, NextFunction, Request, Response } from 'express';
import { AppError, callerSubject, requestLogger } from '@meridian/service-kit';
import { brokerUnavailable, ingestAnswer, intake, type IntakeDeps, type IntakeOutcome } from '../domain/intake.ts';
import type { StreamSpec } from '../domain/streams.ts';

export interface IngestRouteDeps extends IntakeDeps {
  streams: Record<string, StreamSpec>;
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

export function ingestRoutes(app: Express, deps: IngestRouteDeps): void {
  app.get('/v1/ingest/streams', (_req, res) => {
    res.json(Object.values(deps.streams).map((s) => ({ name: s.name, topic: s.topic, pii_fields: s.pii })));
  });

  app.get('/v1/ingest/streams/:stream/stats', async (req, res) => {
    res.json(await deps.stats.get(streamOf(deps, req.params.stream).name));
  });

  app.post('/v1/ingest/:stream', async (req, res) => {
    const spec = streamOf(deps, req.params.stream);
    const outcome = await intake(deps, { spec, body: req.body, nonObjects: 'refuse-batch' });
    logOutcome({ stream: spec.name, source: 'http', outcome, subject: callerSubject(req) });
    if (outcome.unpublished) throw brokerUnavailable({ stream: spec.name, outcome });
    res.status(202).json(ingestAnswer(outcome));
  });

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
