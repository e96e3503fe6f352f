import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { type IngestResult, MonitorPipelineReport, PredictionEvent, type Role } from '@meridian/contracts';
import {
  ensureDevModels,
  loadApps,
  resolveStack,
  signDevToken,
  startPlatform,
  type Platform,
} from '@meridian/platform';

export interface PlatformHandle {
  readonly platform: Platform;
  token(roles: Role[], sub?: string): Promise<string>;
  readonly repository: string;
  /** This run's consumers end in `-<runId>` (groups, durables, queues, MQTT sessions). */
  readonly runId: string;
  /** fetch against the gateway with a token for the roles (none: no Authorization header). */
  gateway(path: string, init?: RequestInit & { roles?: Role[] }): Promise<Response>;
}

/**
 * Starts the whole platform on a stack for one test file, on the run's shared
 * control plane. `prepare` may add models to the repository (<dataDir>/models) first.
 */
export function usePlatform(
  stackSpec: string,
  opts: {
    prepare?: (repository: string) => Promise<void>;
    env?: Record<string, string>;
    seedModels?: boolean;
    apps?: string[];
    /** Instances per app, over `replicas` in apps/apps.json. */
    replicas?: Record<string, number>;
  } = {},
): PlatformHandle {
  let platform: Platform | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), `meridian-${stackSpec.replace(/\W+/g, '_')}-`));
  const runId = randomUUID().slice(0, 8);
  beforeAll(async () => {
    // Unless a test is about the registry, serve a seeded model and keep the training app from bootstrapping one.
    if (opts.seedModels !== false) {
      const repository = await ensureDevModels(dataDir);
      await opts.prepare?.(repository);
    }
    const env = { BOOTSTRAP_MODELS: '', ...opts.env };
    const listed = opts.apps ? loadApps().filter((a) => opts.apps!.includes(a.id)) : undefined;
    const replicas = opts.replicas;
    const apps = replicas
      ? (listed ?? loadApps()).map((a) => (replicas[a.id] ? { ...a, replicas: replicas[a.id] } : a))
      : listed;
    // Its own consumers on shared brokers: nothing another run left unacknowledged reaches this one.
    platform = await startPlatform({
      cp: inject('controlPlane'),
      stack: resolveStack(stackSpec),
      dataDir,
      env,
      runId,
      ...(apps ? { apps } : {}),
    });
  });
  afterAll(async () => {
    await platform?.stop();
    // MERIDIAN_KEEP_DATA=1 keeps the data dir (logs/, state-<app>.db) to look at after a failure.
    if (process.env.MERIDIAN_KEEP_DATA) process.stderr.write(`[test] data kept in ${dataDir}\n`);
    else rmSync(dataDir, { recursive: true, force: true });
  });
  const handle: PlatformHandle = {
    get platform() {
      if (!platform) throw new Error('platform not started');
      return platform;
    },
    token: (roles, sub) => signDevToken({ dataDir, roles, ...(sub ? { sub } : {}) }),
    repository: join(dataDir, 'models'),
    runId,
    async gateway(path, init = {}) {
      const { roles, headers, ...rest } = init;
      const auth: Record<string, string> = roles ? { authorization: `Bearer ${await handle.token(roles)}` } : {};
      return fetch(`${handle.platform.gatewayUrl}${path}`, {
        ...rest,
        headers: { 'content-type': 'application/json', ...auth, ...(headers as Record<string, string>) },
      });
    },
  };
  return handle;
}

/**
 * Polls until `check` passes or the time is up, then returns the last value.
 * A poll that throws (a service restarting, a 503 body that does not parse)
 * counts as "not yet"; if the time runs out on a throw, that error is raised.
 */
export async function eventually<T>(fn: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await fn();
      if (check(value) || Date.now() > deadline) return value;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A one-row prediction event of `model`, as inference publishes it, for publishing straight to the monitor. */
export function predictionEvent(o: { id: string; model: string; i: number }): PredictionEvent {
  return PredictionEvent.parse({
    id: o.id,
    model: o.model,
    version: '1',
    input_hash: `h${o.i}`,
    rows: 1,
    inputs: { humidity: [40 + o.i], temperature: [25] },
    outputs: { anomaly_probability: [0.1] },
    latency_ms: 1,
    ts: new Date().toISOString(),
  });
}

/** Sensor readings posted through the gateway with an ingest token: the status, and ingestion's answer as it came. */
export async function ingestReadings(
  h: PlatformHandle,
  records: unknown[],
): Promise<{ status: number; json: IngestResult }> {
  const res = await h.gateway('/v1/ingest/sensor-readings', {
    method: 'POST',
    roles: ['ingest'],
    body: JSON.stringify(records),
  });
  return { status: res.status, json: (await res.json()) as IngestResult };
}

/** Deliveries the monitor recognised as already taken in, over its recent window (pub/sub delivers at least once). */
export async function duplicatesSeen(h: PlatformHandle): Promise<number> {
  const res = await h.gateway('/v1/monitor/pipeline', { roles: ['predict'] });
  if (res.status !== 200) throw new Error(`monitor pipeline: ${res.status}`);
  return MonitorPipelineReport.parse(await res.json()).predictions.duplicates;
}

/**
 * Every app but the agents: suites about the pipeline and serving leave out the agents app,
 * which consumes the whole sensor stream (a global-model call per delivery, an actor call per
 * mote) and would compete for these two cores with what the suite measures. The agents'
 * suites, the drift suite (incidents), the skeleton and the launcher run every app.
 */
export const APPS_BUT_AGENTS = loadApps()
  .map((a) => a.id)
  .filter((id) => id !== 'agents');

/** How long a suite may wait for a slot: at most the suites ahead of it, each bound by its own tests' timeouts. */
const SLOT_WAIT_MS = 30 * 60_000;

/** Up to `n` holders at once: `take` waits for a place and resolves to the function that gives it back (once). */
function places(n: number): () => Promise<() => void> {
  const waiting: (() => void)[] = [];
  let free = n;
  return async () => {
    if (free > 0) free--;
    else await new Promise<void>((r) => waiting.push(r));
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const next = waiting.shift();
      if (next) next();
      else free++;
    };
  };
}

/**
 * One suite per case, the suites side by side: while one suite's tests wait on a broker or a
 * redelivery, another's run, with at most `atOnce` platforms alive together (a suite takes a
 * place before its platform starts and gives it back once it has stopped). The platforms start
 * one at a time: a start is CPU-bound, so starting two at once gains nothing here. The tests
 * inside a suite still run one after another.
 *
 * All platforms share the run's control plane, so side by side they must not use actors: the
 * placement service would spread one app id's actors over every platform running it. Suites with
 * the agents app, or that start a training run (a workflow), stay one after another. So do
 * platforms behind a broker proxy (tests/faults.test.ts): the proxies run in this process, and a
 * daprd's first connection through one timed out while other suites' tests ran.
 */
export function describeSideBySide<T>(
  cases: readonly T[],
  o: { name: (c: T) => string; atOnce: number },
  body: (c: T) => void,
): void {
  const alive = places(o.atOnce);
  const starting = places(1);
  for (const c of cases)
    describe(o.name(c), { concurrent: true }, () => {
      let gone: (() => void) | undefined;
      let started: (() => void) | undefined;
      beforeAll(async () => {
        gone = await alive();
        started = await starting();
      }, SLOT_WAIT_MS);
      afterAll(() => {
        started?.();
        gone?.();
      });
      describe.sequential('in order', () => {
        body(c);
        // After the suite's own beforeAll (its platform is up): the next suite may start its own.
        beforeAll(() => started?.());
      });
    });
}
