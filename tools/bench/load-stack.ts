import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDevModels, resolveStack, signDevToken, startPlatform, type ControlPlane } from '@meridian/platform';
import type { LoadFlags } from './load-flags.ts';
import { digestLogs, logOffsets, type LogDigest } from './log-digest.ts';
import { MonitorProbe } from './monitor-probe.ts';
import { openLoop } from './open-loop.ts';
import { overload, type Overload } from './overload.ts';
import { drainMonitor, type PhaseContext } from './phase-context.ts';
import { PredictionClient } from './prediction-client.ts';
import { findSustainableRate, type Search } from './rate-search.ts';
import { soak, type Soak } from './soak.ts';

export interface StackResult {
  stack: string;
  choices: Record<string, string>;
  search: Search | { skipped: string };
  sustainable_rps: number | null;
  soak: Soak | { skipped: string };
  overload: Overload | { skipped: string };
  monitor_probe_failures: number;
  /** The first body of each non-200 status the gateway answered. */
  failure_samples: Record<string, string>;
  /** Warnings and errors logged while the load ran (start and stop left out). */
  logs: Record<string, LogDigest>;
  error?: string;
}

/** A result with every phase skipped for `why`; the phases that run replace theirs. */
export function skippedStack(stack: string, why: string): StackResult {
  return {
    stack,
    choices: {},
    search: { skipped: why },
    sustainable_rps: null,
    soak: { skipped: why },
    overload: { skipped: why },
    monitor_probe_failures: 0,
    failure_samples: {},
    logs: {},
  };
}

/** Warm-up, the search (or --assume-rps), then the soak and the overload relative to the rate found. */
async function runPhases(ctx: PhaseContext, flags: LoadFlags, result: StackResult): Promise<void> {
  await ctx.probe.settle({ quietMs: 2000, timeoutMs: 30_000 });
  ctx.probe.start();
  if (flags.warmupSeconds > 0) {
    ctx.say(`warm-up: ${flags.warmupSeconds} s at ${flags.startRps} rps`);
    await openLoop({
      rps: flags.startRps,
      seconds: flags.warmupSeconds,
      maxInFlight: flags.maxInFlight,
      call: ctx.client.call,
    });
    await drainMonitor(ctx);
  }
  if (flags.assumeRps !== undefined) {
    result.search = { skipped: `--assume-rps ${flags.assumeRps}` };
    result.sustainable_rps = flags.assumeRps;
  } else {
    const search = await findSustainableRate(ctx, {
      startRps: flags.startRps,
      growth: flags.growth,
      maxRps: flags.maxRps,
      bisections: flags.bisections,
      stepSeconds: flags.stepSeconds,
      maxSteps: flags.maxSteps,
    });
    result.search = search;
    result.sustainable_rps = search.sustainable_rps;
  }
  const base = result.sustainable_rps;
  ctx.say(`sustainable: ${base ?? 'none'} rps`);
  if (base === null) {
    result.soak = { skipped: 'no sustainable rate found' };
    result.overload = { skipped: 'no sustainable rate found' };
    return;
  }
  const soakRps = Math.max(1, Math.round(base * flags.soakFraction));
  ctx.say(`soak: ${flags.soakSeconds} s at ${soakRps} rps`);
  result.soak = await soak(ctx, {
    rps: soakRps,
    seconds: flags.soakSeconds,
    idCheckLimit: flags.idCheckLimit,
    rssGrowthMb: flags.rssGrowthMb,
  });
  const overloadRps = Math.round(base * flags.overloadFactor);
  ctx.say(`overload: ${flags.overloadSeconds} s at ${overloadRps} rps`);
  result.overload = await overload(ctx, {
    rps: overloadRps,
    seconds: flags.overloadSeconds,
    shedTargetMs: flags.shedTargetMs,
    recoveryTargetS: flags.recoveryTargetSeconds,
  });
}

/**
 * One stack, start to stop: the whole platform (every app with its daprd)
 * on the shared control plane, with the gateway's per-subject rate limits
 * and quotas lifted so that the platform, not one token's quota, is what
 * runs out; then the phases; then the warnings and errors logged meanwhile.
 */
export async function runStack(o: {
  stack: string;
  cp: ControlPlane;
  flags: LoadFlags;
  say: (m: string) => void;
}): Promise<StackResult> {
  const { flags } = o;
  const say = (m: string) => o.say(`${o.stack}: ${m}`);
  const stack = resolveStack(o.stack);
  const dataDir = mkdtempSync(join(tmpdir(), `meridian-bench-load-${o.stack.replace(/\W+/g, '_')}-`));
  const removeData = () =>
    flags.keep ? say(`data and logs kept in ${dataDir}`) : rmSync(dataDir, { recursive: true, force: true });
  await ensureDevModels(dataDir);
  say('starting every app with its sidecar');
  const platform = await startPlatform({
    cp: o.cp,
    stack,
    dataDir,
    logLevel: flags.logLevel,
    daprLogLevel: 'warn',
    runId: `bench-${Date.now().toString(36)}`,
    env: {
      BOOTSTRAP_MODELS: '',
      RATE_LIMITS: 'infer:*=100000000/60s',
      RATE_QUOTAS: 'infer:*=100000000000/1d',
      SLO_LATENCY_P99_MS: String(flags.sloP99Ms),
    },
  }).catch((err: unknown) => {
    removeData();
    throw err;
  });
  const result: StackResult = { ...skippedStack(o.stack, 'not run'), choices: stack.choices };
  const client = new PredictionClient({
    gatewayUrl: platform.gatewayUrl,
    token: await signDevToken({ dataDir, roles: ['predict'], sub: 'bench-load' }),
    runId: `load-${o.stack.replace(/\W+/g, '_')}-${Date.now().toString(36)}`,
    maxSockets: flags.maxInFlight,
    timeoutMs: flags.requestTimeoutMs,
  });
  const probe = new MonitorProbe({
    monitor: platform.apps.monitor!,
    answered: () => client.answered,
    intervalMs: flags.probeMs,
  });
  const limits = {
    sloP99Ms: flags.sloP99Ms,
    maxErrorRate: flags.maxErrorRate,
    lagSlackSeconds: flags.lagSlackSeconds,
    maxInFlight: flags.maxInFlight,
    drainTimeoutMs: flags.drainTimeoutSeconds * 1000,
    stallMs: flags.stallSeconds * 1000,
  };
  const logsFrom = logOffsets(dataDir);
  try {
    await runPhases({ platform, client, probe, say, limits }, flags, result);
  } catch (err) {
    result.error = (err as Error).stack ?? String(err);
    say(`failed: ${(err as Error).message}`);
  } finally {
    const logsTo = logOffsets(dataDir);
    probe.stop();
    client.close();
    result.monitor_probe_failures = probe.failures;
    result.failure_samples = client.failureSamples;
    await platform.stop();
    result.logs = digestLogs(dataDir, { from: logsFrom, to: logsTo });
    removeData();
  }
  return result;
}
