import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelPolicy } from '@meridian/contracts';
import {
  ensureDevModels,
  resolveStack,
  signDevToken,
  startObservability,
  startPlatform,
  type AppSpec,
  type ControlPlane,
  type Platform,
} from '@meridian/platform';
import { httpCaller, measure, type LoadResult } from './load.ts';
import { cpuByProcess, cpuSeconds } from './process-stats.ts';
import { mean, measureInTurns } from './turns.ts';

export interface TracingRow extends Omit<LoadResult, 'errors'> {
  path: 'gateway';
  model: string;
  batching: false;
  concurrency: number;
  tracing: boolean;
  /** CPU milliseconds per request of each process on the path (and Jaeger's, with tracing on). */
  cpu_ms_per_request: Record<string, number>;
}

/** Seconds each side serves before the turns. */
const WARM_UP_SECONDS = 10;

/** CPU seconds so far of the platform's processes and, when given, Jaeger's. */
function cpuNow(platform: Platform, jaegerPid: number | undefined): Record<string, number> {
  const all = cpuByProcess(platform);
  const onPath = Object.fromEntries(Object.entries(all).filter(([name]) => name !== 'bench'));
  return jaegerPid ? { ...onPath, jaeger: cpuSeconds(jaegerPid) ?? 0 } : onPath;
}

/** The prediction log off and batching off, as bench:inference measures serving. */
async function servingPolicy(platform: Platform): Promise<void> {
  const policy = ModelPolicy.parse({ batching: { enabled: false }, prediction_log: { sample_rate: 0 } });
  const res = await platform.apps.inference!.fetchApp('/v2/models/sensor-anomaly/policy', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(policy),
  });
  if (!res.ok) throw new Error(`policy update failed: ${res.status} ${await res.text()}`);
}

/**
 * What tracing costs on the gateway path: `untraced` (a platform exporting no spans) beside a
 * second one whose sidecars and apps export every span to a local Jaeger, measured in turns
 * (off, on, off, on) at each concurrency so the machine's drift hits both alike.
 */
export async function measureTracingCost(o: {
  cp: ControlPlane;
  apps: AppSpec[];
  untraced: { platform: Platform; token: string };
  body: string;
  concurrency: number[];
  seconds: number;
  warmupSeconds: number;
  say: (line: string) => void;
}): Promise<TracingRow[]> {
  const home = mkdtempSync(join(tmpdir(), 'meridian-bench-traced-'));
  const observability = await startObservability({ dataDir: home });
  let traced: Platform | undefined;
  try {
    await ensureDevModels(home);
    traced = await startPlatform({
      cp: o.cp,
      stack: resolveStack('local'),
      dataDir: home,
      apps: o.apps,
      logLevel: 'warn',
      daprLogLevel: 'warn',
      env: { REGISTRY_APP_ID: '' },
      tracing: observability.tracing,
    });
    await servingPolicy(traced);
    const sides = [
      { tracing: false, platform: o.untraced.platform, token: o.untraced.token },
      { tracing: true, platform: traced, token: await signDevToken({ dataDir: home, roles: ['predict'] }) },
    ];
    const gatewayTarget = (side: (typeof sides)[number]) => ({
      url: `${side.platform.gatewayUrl}/v2/models/sensor-anomaly/infer`,
      headers: { authorization: `Bearer ${side.token}` },
      body: o.body,
    });
    // The traced platform has just started: its apps' code is not optimized yet, while the untraced one may have served
    // for minutes. The full run compared the two so (2026-11-29: 28 % fewer rps, twice the apps' CPU per request);
    // both sides serve a warm-up window first, so only tracing differs.
    for (const side of sides)
      await measure({
        concurrency: Math.max(...o.concurrency),
        seconds: WARM_UP_SECONDS,
        warmupSeconds: 0,
        call: httpCaller(gatewayTarget(side), Math.max(...o.concurrency)),
      });
    const rows: TracingRow[] = [];
    for (const concurrency of o.concurrency) {
      const windows = await measureInTurns({
        sides,
        turns: 2,
        concurrency,
        seconds: o.seconds,
        warmupSeconds: o.warmupSeconds,
        target: gatewayTarget,
        cpu: (side) => cpuNow(side.platform, side.tracing ? observability.jaegerPid() : undefined),
        onErrors: (side, errors) =>
          o.say(`gateway tracing=${side.tracing} c=${concurrency}: ${errors} failed requests`),
      });
      const runs = sides.map((side, i) => [side.tracing, windows[i]!] as const);
      for (const [tracing, measured] of runs) {
        const avg = (values: number[]) => Math.round(mean(values) * 100) / 100;
        const figure = (k: keyof Omit<LoadResult, 'errors'>) => avg(measured.map((r) => r[k]));
        const processes = Object.keys(measured[0]!.cpu);
        rows.push({
          path: 'gateway',
          model: 'sensor-anomaly',
          batching: false,
          concurrency,
          tracing,
          p50_ms: figure('p50_ms'),
          p99_ms: figure('p99_ms'),
          rps: figure('rps'),
          cpu_ms_per_request: Object.fromEntries(
            processes.map((name) => [name, avg(measured.map((r) => r.cpu[name] ?? 0))]),
          ),
        });
      }
      const [off, on] = rows.slice(-2) as [TracingRow, TracingRow];
      o.say(
        `gateway c=${concurrency}: tracing off ${off.rps} rps, on ${on.rps} rps (${(100 * (1 - on.rps / off.rps)).toFixed(1)}% fewer)`,
      );
      const perProcess = (r: TracingRow) =>
        Object.entries(r.cpu_ms_per_request)
          .map(([name, ms]) => `${name} ${ms}`)
          .join(', ');
      o.say(`  CPU ms per request, off: ${perProcess(off)}`);
      o.say(`  CPU ms per request, on:  ${perProcess(on)}`);
    }
    return rows;
  } finally {
    await traced?.stop();
    await observability.stop();
    rmSync(home, { recursive: true, force: true });
  }
}
