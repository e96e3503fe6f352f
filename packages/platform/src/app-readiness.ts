import type { ManagedProcess } from './managed-process.ts';
import type { RunningApp } from './running-app.ts';
import type { SupervisorEvent } from './supervisor.ts';
import { httpOk, waitFor } from './wait.ts';

/**
 * Until the app and its sidecar serve; fails early when one of `watched` (both by default) dies,
 * and after `timeoutMs` (the one readiness was made with, by default).
 */
export type WaitReady = (a: RunningApp, watched?: ManagedProcess[], timeoutMs?: number) => Promise<void>;

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
  return (a, watched = [a.app, a.sidecar], timeoutMs = o.timeoutMs) => {
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
      timeoutMs,
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

/** Ended without being asked to stop, and not with success. */
const failedByItself = (p: ManagedProcess) => !p.running && !p.stopRequested && p.exitCode !== 0;

/** The first process of an instance that failed by itself and was started at all (-1: it could not be spawned, which a retry does not mend). */
const crashedProcess = (a: RunningApp) => [a.sidecar, a.app].find((p) => failedByItself(p) && p.exitCode !== -1);

const exitOf = (p: ManagedProcess) => ({ code: p.exitCode ?? null, signal: p.exitSignal ?? null });

/**
 * Waits until every app and sidecar is ready and then the gateway answers /readyz. An instance
 * whose app or sidecar dies by itself before it is ready is started again, both processes on the
 * same ports with the same tokens, up to `startRetries` times (`relaunch`), within the same
 * `timeoutMs`: on a loaded machine a daprd can fail at start on a broker's connect timeout. Each
 * relaunch is told as the supervisor tells a restart (`onEvent`: exited, then restarted once
 * ready). When one is still not ready, stops everything (`stop`) and throws, naming the process
 * that failed by itself rather than one that only went down with the rest.
 */
export async function waitAllReady(o: {
  /** Every instance of every app. */
  apps: RunningApp[];
  waitReady: WaitReady;
  timeoutMs: number;
  stop: () => Promise<void>;
  /** Starts an instance's app and sidecar again (their processes are down). */
  relaunch?: (a: RunningApp) => void;
  startRetries?: number;
  onEvent?: (event: SupervisorEvent) => void;
}): Promise<void> {
  const all = o.apps;
  const gateway = all.find((a) => a.instance === 'gateway');
  const deadline = Date.now() + o.timeoutMs;
  let stopping = false;
  const readyOne = async (a: RunningApp) => {
    /** The last relaunch: the process that died, which one it was, and the partner started with it. */
    let last: { dead: ManagedProcess; kind: 'app' | 'sidecar'; partner: string } | undefined;
    for (let retry = 0; ; retry++) {
      try {
        await o.waitReady(a, undefined, Math.max(1, deadline - Date.now()));
        if (last)
          o.onEvent?.({
            type: 'restarted',
            unit: { app: a.instance, kind: last.kind },
            name: last.dead.opts.name,
            restarts: retry,
            exit: exitOf(last.dead),
            with: last.partner,
          });
        return;
      } catch (err) {
        const dead = crashedProcess(a);
        if (!o.relaunch || !dead || retry >= (o.startRetries ?? 0) || stopping || Date.now() >= deadline) throw err;
        const kind = dead === a.sidecar ? 'sidecar' : 'app';
        last = { dead, kind, partner: (kind === 'sidecar' ? a.app : a.sidecar).opts.name };
        o.onEvent?.({
          type: 'exited',
          unit: { app: a.instance, kind },
          name: dead.opts.name,
          exit: exitOf(dead),
          lastLines: dead.lastLines(),
          restartInMs: 0,
        });
        await Promise.all([a.app.stop(), a.sidecar.stop()]);
        if (stopping) throw err;
        o.relaunch(a);
      }
    }
  };
  try {
    await Promise.all(all.map(readyOne));
    if (gateway)
      await waitFor({
        what: 'gateway /readyz',
        timeoutMs: o.timeoutMs,
        check: () => httpOk(`${gateway.appUrl}/readyz`),
      });
  } catch (err) {
    stopping = true;
    const failed = all.flatMap((a) => [a.app, a.sidecar]).find(failedByItself);
    await o.stop();
    if (failed)
      throw new Error(
        `${failed.opts.name} exited with code ${failed.exitCode ?? failed.exitSignal}; its last lines:\n${failed.lastLines().join('\n')}`,
        { cause: err },
      );
    throw err;
  }
}
