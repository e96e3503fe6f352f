import { describe, expect, it } from 'vitest';
import { platformHandle } from './platform-handle.ts';
import type { PlatformInfra } from './platform-infra.ts';
import { APP_PORT_COUNT, startApps } from './running-app.ts';
import { createSupervisor } from './supervisor.ts';
import { appSpec, fakeLauncher, type FakeProcess } from './testing/fake-process.ts';

const infra: PlatformInfra = {
  env: {},
  resources: [],
  mqttUrl: 'tcp://127.0.0.1:1883',
  brokerProxy: undefined,
  close: async () => {},
};

function handle(o: { supervised?: boolean } = {}) {
  const launch = fakeLauncher();
  const { apps, replicas } = startApps({
    specs: [appSpec('gateway'), appSpec('a')],
    ports: Array.from({ length: 2 * APP_PORT_COUNT }, (_, i) => 1 + i),
    launch,
  });
  const readied: string[] = [];
  const supervisor = o.supervised
    ? createSupervisor({
        start: () => {
          throw new Error('not in this test');
        },
      })
    : undefined;
  const platform = platformHandle({
    apps,
    replicas,
    launch,
    infra,
    supervisor,
    dataDir: '/data',
    stop: async () => {},
    waitReady: async (app) => {
      readied.push(app.spec.id);
    },
  });
  return { platform, launch, readied };
}

describe('platformHandle', () => {
  it('when built, then it tells the gateway url, the MQTT broker and the data dir', () => {
    const { platform } = handle();
    expect(platform).toMatchObject({
      gatewayUrl: platform.apps.gateway!.appUrl,
      mqttUrl: 'tcp://127.0.0.1:1883',
      dataDir: '/data',
    });
  });

  it('when an app is restarted, then its process is stopped and started again, its sidecar kept, and the app waited for', async () => {
    const { platform, launch, readied } = handle();
    const before = platform.apps.a!;
    const [oldApp, sidecar] = [before.app, before.sidecar];
    await platform.restartApp('a');
    expect((oldApp as unknown as FakeProcess).stopRequested).toBe(true);
    expect(platform.apps.a!.app).not.toBe(oldApp);
    expect(platform.apps.a!.sidecar).toBe(sidecar);
    expect(launch.starts.at(-1)).toMatchObject({ kind: 'app', slot: { spec: { id: 'a' } } });
    expect(readied).toEqual(['a']);
  });

  it('when an app crashes, then status reports both its processes down, and revive starts both again', async () => {
    const { platform } = handle();
    await platform.crash('a');
    expect(platform.status().a).toMatchObject({
      app: { running: false, state: 'down' },
      sidecar: { running: false, lastExit: { signal: 'SIGKILL' } },
    });
    await platform.revive('a');
    expect(platform.status().a).toMatchObject({
      app: { running: true, state: 'up', restarts: 0 },
      sidecar: { running: true },
    });
  });

  it('when an id names no app, then restart, crash and revive refuse it', async () => {
    const { platform } = handle();
    await expect(platform.restartApp('nope')).rejects.toThrow('no app nope');
    await expect(platform.crash('nope')).rejects.toThrow('no app nope');
    await expect(platform.revive('nope')).rejects.toThrow('no app nope');
  });

  it('when the platform is supervised, then revive refuses: the supervisor restarts what crashed', async () => {
    const { platform } = handle({ supervised: true });
    await expect(platform.revive('a')).rejects.toThrow(/unsupervised platform/);
  });
});
