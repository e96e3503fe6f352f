import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readiness, waitAllReady, type WaitReady } from './app-readiness.ts';
import { relaunchInstance, startApps, APP_PORT_COUNT } from './running-app.ts';
import { appSpec, fakeLauncher, type FakeProcess } from './testing/fake-process.ts';

function twoApps() {
  return startApps({
    specs: [appSpec('a'), appSpec('b')],
    ports: Array.from({ length: 2 * APP_PORT_COUNT }, (_, i) => 1 + i),
    launch: fakeLauncher(),
  }).apps;
}

describe('waitAllReady', () => {
  it('when a process dies by itself before it is ready, then everything is stopped and the error names it with its last lines', async () => {
    const apps = twoApps();
    const died = apps.b!.sidecar as unknown as FakeProcess;
    Object.assign(died, { running: false, exitCode: 1, lines: ['level=fatal msg="no such component"'] });
    let stopped = false;
    const stop = async () => {
      stopped = true;
      // Stopping takes the others down too: they must not be named.
      await Promise.all(Object.values(apps).flatMap((a) => [a.app.stop(), a.sidecar.stop()]));
    };
    const waiting = waitAllReady({
      apps: Object.values(apps),
      waitReady: readiness({ timeoutMs: 60_000 }),
      timeoutMs: 60_000,
      stop,
    });
    await expect(waiting).rejects.toThrow(
      /^b:dapr exited with code 1; its last lines:\nlevel=fatal msg="no such component"$/,
    );
    expect(stopped).toBe(true);
  });
});

describe('waitAllReady with start retries', () => {
  /** b's sidecar dies at start `deaths` times (a broker's connect timeout, say); a waits for nothing. */
  function flakyStart(deaths: number, exitCode = 1) {
    const apps = twoApps();
    const launch = fakeLauncher();
    let died = 0;
    const waitReady: WaitReady = async (a) => {
      if (a.spec.id !== 'b' || died >= deaths) return;
      died++;
      Object.assign(a.sidecar as unknown as FakeProcess, {
        running: false,
        exitCode,
        lines: ['level=fatal msg="pubsub.jetstream/v1: i/o timeout"'],
      });
      throw new Error('b readiness: b:dapr exited with code 1');
    };
    const relaunched: string[] = [];
    let stopped = false;
    const waiting = waitAllReady({
      apps: Object.values(apps),
      waitReady,
      timeoutMs: 60_000,
      stop: async () => {
        stopped = true;
      },
      startRetries: 2,
      relaunch: (a) => relaunchInstance(launch, a),
      onEvent: (e) =>
        relaunched.push(e.type === 'restarted' ? `${e.name} restarted with ${e.with}` : `${e.name} ${e.type}`),
    });
    return { apps, launch, waiting, relaunched, stopped: () => stopped };
  }

  it('when a sidecar dies by itself before it is ready, then its instance is started again, both processes, and the start goes on', async () => {
    const { apps, launch, waiting, relaunched, stopped } = flakyStart(1);
    const firstApp = apps.b!.app as unknown as FakeProcess;
    await waiting;
    expect(relaunched).toEqual(['b:dapr exited', 'b:dapr restarted with b']);
    expect(firstApp.stopRequested).toBe(true);
    expect(launch.starts.map((s) => `${s.kind} ${s.slot.spec.id}`)).toEqual(['sidecar b', 'app b']);
    expect(apps.b!.sidecar.running).toBe(true);
    expect(stopped()).toBe(false);
  });

  it('when it dies at every start, then after the retries everything is stopped and the error names it', async () => {
    const { waiting, relaunched, stopped } = flakyStart(3);
    await expect(waiting).rejects.toThrow(/^b:dapr exited with code 1; its last lines:\n.*i\/o timeout/);
    expect(relaunched).toEqual(['b:dapr exited', 'b:dapr exited']);
    expect(stopped()).toBe(true);
  });

  it('when a process ends with success before it is ready, then it is not started again', async () => {
    const { waiting, relaunched, stopped } = flakyStart(1, 0);
    await expect(waiting).rejects.toThrow(/b readiness/);
    expect(relaunched).toEqual([]);
    expect(stopped()).toBe(true);
  });
});

describe('readiness', () => {
  it("when a watched process is dead, then waiting fails at once with the reason and both processes' last lines", async () => {
    const [a] = Object.values(twoApps());
    Object.assign(a!.app as unknown as FakeProcess, { running: false, exitCode: 2, lines: ['boom'] });
    await expect(readiness({ timeoutMs: 60_000 })(a!)).rejects.toThrow(
      /a readiness: a exited with code 2; its last lines:\nboom\n--- a \(last lines\)\nboom\n--- a:dapr \(last lines\)/,
    );
  });

  it('when only the restarted process is watched, then its partner being down does not fail the wait at once', async () => {
    const [a] = Object.values(twoApps());
    Object.assign(a!.sidecar as unknown as FakeProcess, { running: false, exitCode: 1 });
    // Nothing listens on port 1: the wait runs out rather than stopping on the dead sidecar.
    await expect(readiness({ timeoutMs: 1 })(a!, [a!.app])).rejects.toThrow(/a readiness: not ready after 1 ms/);
  });

  it('when the wait runs out, then the error gives what the sidecar and the app answered last', async () => {
    // A stand-in for a daprd whose healthz names the part of it that is not ready, as daprd's does.
    const sidecar = createServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"errorCode":"ERR_HEALTH_NOT_READY","message":"dapr is not ready: [scheduler-watch-hosts]"}');
    });
    await new Promise<void>((resolve) => sidecar.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = sidecar.address() as AddressInfo;
      // The app's port is 1, where nothing listens; the sidecar's HTTP port is the stand-in's.
      const { apps } = startApps({
        specs: [appSpec('a')],
        ports: [1, port, ...Array.from({ length: APP_PORT_COUNT - 2 }, (_, i) => 2 + i)],
        launch: fakeLauncher(),
      });
      await expect(readiness({ timeoutMs: 1 })(apps.a!)).rejects.toThrow(
        /a readiness: not ready after 1 ms\n--- last answers\nsidecar \/v1\.0\/healthz: 500 .*scheduler-watch-hosts.*\napp \/readyz: no answer \(fetch failed\)\n--- a \(last lines\)/,
      );
    } finally {
      sidecar.close();
    }
  });
});
