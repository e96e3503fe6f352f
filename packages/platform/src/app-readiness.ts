import type { ManagedProcess } from './managed-process.ts';
import type { RunningApp } from './running-app.ts';
import { httpOk, waitFor } from './wait.ts';

/** Until the app and its sidecar serve; fails early when one of `watched` (both by default) dies. */
export type WaitReady = (a: RunningApp, watched?: ManagedProcess[]) => Promise<void>;

/** A check's answer, for an error message: status and the start of the body, or why there was none. */
async function lastAnswer(url: string): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return `${res.status} ${(await res.text()).slice(0, 300)}`;
  } catch (err) {
    return `no answer (${(err as Error).message})`;
  }
}

export function readiness(o: { timeoutMs: number }): WaitReady {
  return (a, watched = [a.app, a.sidecar]) => {
    const sidecarHealth = `${a.daprUrl}/v1.0/healthz`;
    const appReady = `${a.appUrl}/readyz`;
    const died = () => {
      const dead = watched.find((p) => !p.running);
      return dead
        ? `${dead.opts.name} exited with code ${dead.exitCode}; its last lines:\n${dead.lastLines().join('\n')}`
        : undefined;
    };
    return waitFor({
      what: `${a.spec.id} readiness`,
      timeoutMs: o.timeoutMs,
      abort: died,
      check: async () => (await httpOk(sidecarHealth)) && (await httpOk(appReady)),
    }).catch(async (err: Error) => {
      const tails = [a.app, a.sidecar]
        .map((p) => `--- ${p.opts.name} (last lines)\n${p.lastLines().join('\n')}`)
        .join('\n');
      // What each check answered last: daprd's healthz names the parts of it that are not ready.
      const answers = died()
        ? ''
        : `\n--- last answers\nsidecar /v1.0/healthz: ${await lastAnswer(sidecarHealth)}\napp /readyz: ${await lastAnswer(appReady)}`;
      throw new Error(`${err.message}${answers}\n${tails}`);
    });
  };
}

/**
 * Waits until every app and sidecar is ready and then the gateway answers /readyz. When one is
 * not, stops everything (`stop`) and throws, naming the process that failed by itself rather
 * than one that only went down with the rest.
 */
export async function waitAllReady(o: {
  /** Every instance of every app. */
  apps: RunningApp[];
  waitReady: WaitReady;
  timeoutMs: number;
  stop: () => Promise<void>;
}): Promise<void> {
  const all = o.apps;
  const gateway = all.find((a) => a.instance === 'gateway');
  try {
    await Promise.all(all.map((a) => o.waitReady(a)));
    if (gateway)
      await waitFor({
        what: 'gateway /readyz',
        timeoutMs: o.timeoutMs,
        check: () => httpOk(`${gateway.appUrl}/readyz`),
      });
  } catch (err) {
    const failed = all
      .flatMap((a) => [a.app, a.sidecar])
      .find((p) => !p.running && !p.stopRequested && p.exitCode !== 0);
    await o.stop();
    if (failed)
      throw new Error(
        `${failed.opts.name} exited with code ${failed.exitCode ?? failed.exitSignal}; its last lines:\n${failed.lastLines().join('\n')}`,
        { cause: err },
      );
    throw err;
  }
}
