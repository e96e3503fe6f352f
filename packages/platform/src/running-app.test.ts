import { describe, expect, it } from 'vitest';
import { APP_PORT_COUNT, startApps } from './running-app.ts';
import { appSpec, fakeLauncher } from './testing/fake-process.ts';

const ports = (n: number) => Array.from({ length: n }, (_, i) => 20_000 + i);

describe('startApps', () => {
  it('when apps start, then each takes its own port and then its sidecar ports, in order, and starts its sidecar and its process', () => {
    const launch = fakeLauncher();
    const { apps } = startApps({ specs: [appSpec('a'), appSpec('b')], ports: ports(2 * APP_PORT_COUNT), launch });
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
    const { apps } = startApps({
      specs: [appSpec('gateway'), appSpec('a')],
      ports: ports(2 * APP_PORT_COUNT),
      gatewayPort: 8080,
      launch: fakeLauncher(),
    });
    expect(apps.gateway!.appUrl).toBe('http://127.0.0.1:8080');
    expect(apps.a!.appPort).toBe(20_000 + APP_PORT_COUNT);
  });

  it('when an app has replicas, then each instance gets its own ports, tokens and name, and only the first gateway takes the fixed port', () => {
    const launch = fakeLauncher();
    const { apps, replicas } = startApps({
      specs: [
        { ...appSpec('gateway'), replicas: 2 },
        { ...appSpec('a'), replicas: 3 },
      ],
      ports: ports(5 * APP_PORT_COUNT),
      gatewayPort: 8080,
      launch,
    });
    expect(Object.keys(apps)).toEqual(['gateway', 'a']);
    expect(replicas.map((r) => r.instance)).toEqual(['gateway-2', 'a-2', 'a-3']);
    expect(apps.gateway!.appPort).toBe(8080);
    expect(replicas[0]!.appPort).toBe(20_000 + APP_PORT_COUNT);
    const appPorts = [...Object.values(apps), ...replicas].map((r) => r.appPort);
    expect(new Set(appPorts).size).toBe(5);
    expect(new Set(replicas.map((r) => r.daprToken)).size).toBe(3);
    expect(launch.starts.filter((s) => s.kind === 'sidecar').map((s) => [s.slot.spec.id, s.slot.replica])).toEqual([
      ['gateway', undefined],
      ['gateway', 2],
      ['a', undefined],
      ['a', 2],
      ['a', 3],
    ]);
  });

  it('when apps start, then every app and sidecar gets tokens of its own, and the launcher is handed the same ones', () => {
    const launch = fakeLauncher();
    const { apps } = startApps({ specs: [appSpec('a'), appSpec('b')], ports: ports(2 * APP_PORT_COUNT), launch });
    const tokens = Object.values(apps).flatMap((a) => [a.daprToken, a.appToken]);
    expect(new Set(tokens).size).toBe(4);
    expect(launch.starts.find((s) => s.slot.spec.id === 'b')!.slot).toMatchObject({
      daprToken: apps.b!.daprToken,
      appToken: apps.b!.appToken,
    });
  });
});
