import { describe, expect, it } from 'vitest';
import { APP_PORT_COUNT, startApps } from './running-app.ts';
import { appSpec, fakeLauncher } from './testing/fake-process.ts';

const ports = (n: number) => Array.from({ length: n }, (_, i) => 20_000 + i);

describe('startApps', () => {
  it('when apps start, then each takes its own port and then its sidecar ports, in order, and starts its sidecar and its process', () => {
    const launch = fakeLauncher();
    const apps = startApps({ specs: [appSpec('a'), appSpec('b')], ports: ports(2 * APP_PORT_COUNT), launch });
    expect(apps.a!.appPort).toBe(20_000);
    expect(apps.a!.sidecarPorts.http).toBe(20_001);
    expect(apps.b!.appPort).toBe(20_000 + APP_PORT_COUNT);
    expect(apps.b!.daprUrl).toBe(`http://127.0.0.1:${apps.b!.sidecarPorts.http}`);
    expect(launch.starts.map((s) => `${s.kind} ${s.slot.spec.id}`)).toEqual([
      'sidecar a',
      'app a',
      'sidecar b',
      'app b',
    ]);
    expect(apps.a!.app.opts.name).toBe('a');
    expect(apps.a!.sidecar.opts.name).toBe('a:dapr');
  });

  it('when a gateway port is given, then only the gateway listens on it', () => {
    const apps = startApps({
      specs: [appSpec('gateway'), appSpec('a')],
      ports: ports(2 * APP_PORT_COUNT),
      gatewayPort: 8080,
      launch: fakeLauncher(),
    });
    expect(apps.gateway!.appUrl).toBe('http://127.0.0.1:8080');
    expect(apps.a!.appPort).toBe(20_000 + APP_PORT_COUNT);
  });

  it('when apps start, then every app and sidecar gets tokens of its own, and the launcher is handed the same ones', () => {
    const launch = fakeLauncher();
    const apps = startApps({ specs: [appSpec('a'), appSpec('b')], ports: ports(2 * APP_PORT_COUNT), launch });
    const tokens = Object.values(apps).flatMap((a) => [a.daprToken, a.appToken]);
    expect(new Set(tokens).size).toBe(4);
    expect(launch.starts.find((s) => s.slot.spec.id === 'b')!.slot).toMatchObject({
      daprToken: apps.b!.daprToken,
      appToken: apps.b!.appToken,
    });
  });
});
