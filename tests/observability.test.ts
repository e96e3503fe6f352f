import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '@meridian/contracts';
import {
  allocatePorts,
  ensureDevModels,
  ensureWindowedModel,
  loadApps,
  signDevToken,
  waitFor,
} from '@meridian/platform';
import { bootstrap, killAll, printed, type Run } from './helpers/bootstrap-run.ts';
import { ancestors, fetchTrace, hasEdge, isWhole, type TraceSpan } from './helpers/jaeger.ts';

// `MERIDIAN_OBSERVABILITY=1 npm start` as a user types it: the launcher starts Jaeger and
// Prometheus beside the platform, every sidecar exports its spans to Jaeger, and Prometheus
// scrapes every app and every daprd. What is read back goes through their own HTTP APIs.

const newTraceId = () => randomBytes(16).toString('hex');
const traceparent = (traceId: string) => `00-${traceId}-${randomBytes(8).toString('hex')}-01`;

interface Target {
  labels: Record<string, string>;
  health: string;
}

describe('MERIDIAN_OBSERVABILITY=1 npm start: one trace per request in Jaeger, every target in Prometheus', () => {
  const home = mkdtempSync(join(tmpdir(), 'meridian-observability-'));
  const runs: Run[] = [];
  let launcher: Run;
  let gateway = '';
  let jaeger = '';
  let prometheus = '';
  const apps = loadApps().map((a) => a.id);

  const call = async (path: string, o: { roles: Role[]; body?: unknown; traceId?: string }) =>
    fetch(`${gateway}${path}`, {
      method: o.body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${await signDevToken({ dataDir: home, roles: o.roles })}`,
        'content-type': 'application/json',
        ...(o.traceId ? { traceparent: traceparent(o.traceId) } : {}),
      },
      ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
    });

  /** Waits until Jaeger's copy of the trace satisfies `done` (spans arrive in batches from each process). */
  /** Waits until Jaeger holds the whole trace (see isWhole), with a span from each of `hops`. */
  const wholeTrace = async (traceId: string, hops: string[], also: (spans: TraceSpan[]) => boolean = () => true) => {
    let spans: TraceSpan[] = [];
    await waitFor({
      what: `trace ${traceId} in Jaeger with spans of ${hops.join(', ')}`,
      timeoutMs: 60_000,
      check: async () => {
        spans = await fetchTrace(jaeger, traceId);
        return isWhole(spans, hops) && also(spans);
      },
    }).catch((err: Error) => {
      throw new Error(`${err.message}; it holds: ${spans.map((s) => `${s.who} ${s.name}`).join(' | ')}`);
    });
    return spans;
  };

  const promQuery = async (query: string) => {
    const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(query)}`);
    const body = (await res.json()) as {
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    return body.data.result;
  };

  beforeAll(async () => {
    // Seeded models serve at once: no training at start competes for the cores.
    const repository = await ensureDevModels(home);
    await ensureWindowedModel(repository);
    const [gatewayPort, jaegerPort, otlpGrpc, otlpHttp, zipkin, prometheusPort] = await allocatePorts(6);
    launcher = bootstrap(['start'], {
      MERIDIAN_HOME: home,
      MERIDIAN_STACK: 'local',
      MERIDIAN_OBSERVABILITY: '1',
      GATEWAY_PORT: `${gatewayPort}`,
      MERIDIAN_JAEGER_PORT: `${jaegerPort}`,
      MERIDIAN_OTLP_GRPC_PORT: `${otlpGrpc}`,
      MERIDIAN_OTLP_HTTP_PORT: `${otlpHttp}`,
      MERIDIAN_ZIPKIN_PORT: `${zipkin}`,
      MERIDIAN_PROMETHEUS_PORT: `${prometheusPort}`,
      MERIDIAN_SCRAPE_INTERVAL_SECONDS: '1',
      BOOTSTRAP_MODELS: '',
    });
    runs.push(launcher);
    await printed(launcher, '[meridian] ready in ', 240_000);
    gateway = `http://127.0.0.1:${gatewayPort}`;
    jaeger = `http://127.0.0.1:${jaegerPort}`;
    prometheus = `http://127.0.0.1:${prometheusPort}`;
  });
  afterAll(async () => {
    await killAll(runs);
    rmSync(home, { recursive: true, force: true });
  });

  it('when it is ready, then it printed the addresses of Jaeger and Prometheus', () => {
    expect(launcher.output()).toContain(`traces: ${jaeger}`);
    expect(launcher.output()).toContain(`metrics: ${prometheus}`);
  });

  it('when a prediction goes through the gateway, then one trace holds the gateway, both sidecars, inference and the monitor, each span under its caller', async () => {
    const traceId = newTraceId();
    const res = await call('/v2/models/sensor-anomaly/infer', {
      roles: ['predict'],
      traceId,
      body: {
        parameters: { prediction_log: 'required' },
        inputs: [
          { name: 'humidity', shape: [1], datatype: 'FP32', data: [45] },
          { name: 'temperature', shape: [1], datatype: 'FP32', data: [27] },
        ],
      },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const hops = ['gateway/app', 'gateway/daprd', 'inference/daprd', 'inference/app', 'monitor/daprd', 'monitor/app'];
    const spans = await wholeTrace(traceId, hops);
    // The request's hops, each a direct parent of the next.
    expect(hasEdge(spans, 'gateway/app', 'gateway/daprd')).toBe(true);
    expect(hasEdge(spans, 'gateway/daprd', 'inference/daprd')).toBe(true);
    expect(hasEdge(spans, 'inference/daprd', 'inference/app')).toBe(true);
    // Inside inference: the batch and the runtime call under the request, the event's publish.
    const names = new Set(spans.filter((s) => s.who === 'inference/app').map((s) => s.name));
    for (const n of ['inference.queue', 'inference.batch', 'inference.runtime', 'inference.publish'])
      expect(names).toContain(n);
    // The monitor handled the event in the same trace, after the broker: under inference's publish.
    const handled = spans.find((s) => s.who === 'monitor/app')!;
    expect(ancestors(spans, handled).map((s) => s.name)).toContain('inference.publish');
    // Every span descends from the gateway's first span (the caller's traceparent is its parent).
    const root = spans.find((s) => s.who === 'gateway/app' && !spans.some((p) => p.id === s.parent))!;
    for (const s of spans.filter((x) => x !== root)) expect(ancestors(spans, s)).toContain(root);
  });

  it('when predictions are made at once, then the events that leave inference in one bulk publish each reach the monitor in their own trace', async () => {
    const bulkPublishes = async () =>
      Number(
        (await promQuery(`sum(dapr_component_pubsub_egress_bulk_count{app_id="inference",topic="predictions"})`))[0]
          ?.value[1] ?? 0,
      );
    const before = await bulkPublishes();
    const traceIds = Array.from({ length: 32 }, newTraceId);
    const answers = await Promise.all(
      traceIds.map((traceId, i) =>
        call('/v2/models/sensor-anomaly/infer', {
          roles: ['predict'],
          traceId,
          body: {
            inputs: [
              { name: 'humidity', shape: [1], datatype: 'FP32', data: [40 + i] },
              { name: 'temperature', shape: [1], datatype: 'FP32', data: [20 + i / 2] },
            ],
          },
        }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(traceIds.map(() => 200));
    // Inference's daprd counted at least one bulk publish of prediction events (Prometheus scrapes every second).
    await waitFor({
      what: `a bulk publish of predictions by inference's daprd (before the burst: ${before})`,
      timeoutMs: 30_000,
      check: async () => (await bulkPublishes()) > before,
    });
    // Every event, alone or in a bulk publish, reached the monitor's sidecar under its own request's publish:
    // daprd wrote the entry's own traceparent into its CloudEvent. (The monitor's app handles a bulk delivery
    // in its first event's trace and links the others, so the app's span is not in every trace.)
    const deliveredUnderPublish = (spans: TraceSpan[]) =>
      spans.some(
        (s) =>
          s.who === 'monitor/daprd' &&
          ancestors(spans, s).some((a) => a.who === 'inference/app' && a.name === 'inference.publish'),
      );
    const waiting = new Set(traceIds);
    await waitFor({
      what: "each burst request's trace in Jaeger, with the monitor's sidecar under its publish",
      timeoutMs: 90_000,
      check: async () => {
        for (const traceId of [...waiting]) {
          const spans = await fetchTrace(jaeger, traceId);
          if (isWhole(spans, ['gateway/app', 'inference/app', 'monitor/daprd']) && deliveredUnderPublish(spans))
            waiting.delete(traceId);
        }
        return waiting.size === 0;
      },
    }).catch((err: Error) => {
      throw new Error(`${err.message}; not there for ${[...waiting].join(', ')}`);
    });
  });

  it('when a sensor reading is ingested, then its trace reaches the monitor through the broker, features and inference', async () => {
    const traceId = newTraceId();
    const mote = 900_000_000 + (Date.now() % 1_000_000);
    const res = await call('/v1/ingest/sensor-readings', {
      roles: ['ingest'],
      traceId,
      body: [{ id: `${mote}-0`, mote_id: mote, humidity: 45, temperature: 27, ts: 1_700_000_000_000 }],
    });
    expect(res.status, await res.clone().text()).toBe(202);
    const hops = ['gateway/app', 'ingestion/app', 'features/app', 'inference/app', 'monitor/app'];
    // The whole path, each hop an ancestor of the monitor's handling. (The agents app consumes the
    // same reading and may add a branch of its own to the trace: the features branch must be there.)
    const path = ['inference/app', 'inference/daprd', 'features/app', 'features/daprd', 'ingestion/app', 'gateway/app'];
    const reached = (spans: TraceSpan[]) =>
      spans
        .filter((s) => s.who === 'monitor/app')
        .some((handled) => {
          const above = new Set(ancestors(spans, handled).map((s) => s.who));
          return path.every((hop) => above.has(hop));
        });
    const spans = await wholeTrace(traceId, hops, reached);
    expect(reached(spans)).toBe(true);
  });

  it('when Prometheus has scraped, then every app and every daprd is a target, and all are up', async () => {
    let targets: Target[] = [];
    await waitFor({
      what: 'every target up',
      timeoutMs: 60_000,
      check: async () => {
        const body = (await (await fetch(`${prometheus}/api/v1/targets`)).json()) as {
          data: { activeTargets: Target[] };
        };
        targets = body.data.activeTargets;
        return targets.length === 2 * apps.length && targets.every((t) => t.health === 'up');
      },
    }).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(targets.map((t) => [t.labels, t.health]))}`);
    });
    for (const job of ['apps', 'daprd'])
      expect(
        targets
          .filter((t) => t.labels.job === job)
          .map((t) => t.labels.app)
          .sort(),
      ).toEqual([...apps].sort());
  });

  it('when a request is made, then the count of its route rises in Prometheus, with its trace id as an exemplar', async () => {
    const route = '{app="gateway",route="inference.model-metadata"}';
    const count = async () =>
      Number((await promQuery(`sum(http_server_request_duration_seconds_count${route})`))[0]?.value[1] ?? 0);
    const before = await count();
    const traceId = newTraceId();
    const start = Date.now() / 1000 - 60;
    const res = await call('/v2/models/sensor-anomaly', { roles: ['predict'], traceId });
    expect(res.status).toBe(200);
    await waitFor({
      what: `the gateway's count above ${before}`,
      timeoutMs: 30_000,
      check: async () => (await count()) > before,
    });
    const exemplarTraces = async () => {
      const query = encodeURIComponent(`http_server_request_duration_seconds_bucket${route}`);
      const url = `${prometheus}/api/v1/query_exemplars?query=${query}&start=${start}&end=${Date.now() / 1000 + 60}`;
      const body = (await (await fetch(url)).json()) as { data: { exemplars: { labels: Record<string, string> }[] }[] };
      return body.data.flatMap((d) => d.exemplars.map((e) => e.labels.trace_id));
    };
    await waitFor({
      what: `an exemplar with trace id ${traceId}`,
      timeoutMs: 30_000,
      check: async () => (await exemplarTraces()).includes(traceId),
    });
  });

  it('when a request fails, then its problem+json and its log line carry the trace id, and Jaeger returns that trace', async () => {
    const res = await call('/v2/models/sensor-anomaly/infer', {
      roles: ['predict'],
      body: { inputs: [{ name: 'humidity', shape: [1], datatype: 'FP32', data: [45] }] },
    });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { trace_id?: string };
    expect(problem.trace_id).toMatch(/^[0-9a-f]{32}$/);
    const traceId = problem.trace_id!;
    const spans = await wholeTrace(traceId, ['gateway/app', 'gateway/daprd', 'inference/daprd', 'inference/app']);
    const failed = spans.find((s) => s.who === 'inference/app' && s.tags['http.response.status_code'] === 400);
    expect(failed?.name).toBe('POST /v2/models/:name/infer');
    const lines = readFileSync(join(home, 'logs', 'inference.log'), 'utf8').split('\n');
    const logged = lines.filter((l) => l.includes(`"trace_id":"${traceId}"`));
    expect(logged.some((l) => l.includes('"status":400'))).toBe(true);
  });
});
