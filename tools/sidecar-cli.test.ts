import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  describePlatform,
  loadApps,
  operationsFor,
  outsideConfiguration,
  platformStateFile,
  readPlatformState,
  removePlatformState,
  writePlatformState,
  type ControlPlaneInfo,
} from '@meridian/platform';
import { parseSidecarArgs, readyLines } from './sidecar-cli.ts';

const OWN = ['gateway', 'inference'];

describe('npm run sidecar arguments', () => {
  it('when given an app id and ports, then it takes them, with no app port by default', () => {
    expect(parseSidecarArgs(['--app-id', 'example-client', '--http-port', '3600'], OWN)).toEqual({
      appId: 'example-client',
      httpPort: 3600,
      grpcPort: undefined,
      appPort: undefined,
      verbose: false,
    });
    expect(parseSidecarArgs(['--app-id', 'my-app', '--app-port', '9000', '--grpc-port', '3601'], OWN)).toMatchObject({
      httpPort: 3500,
      grpcPort: 3601,
      appPort: 9000,
    });
  });

  it.each([
    [[], /--app-id is required/],
    [['--app-id', 'My_App'], /lowercase letters/],
    [['--app-id', 'inference'], /one of Meridian's own apps/],
    [['--app-id', 'a', '--http-port', '70000'], /--http-port takes a port/],
    [['--app-id', 'a', '--http-port', '36x'], /--http-port takes a port/],
    [['--app-id', 'a', '--http-port', '3600', '--app-port', '3600'], /must differ/],
    [['--app-id', 'a', '--bogus'], /Unknown option '--bogus'/],
  ])('when given %j, then it refuses with a message saying why', (argv, message) => {
    expect(() => parseSidecarArgs(argv, OWN)).toThrow(message);
  });
});

describe('what npm run sidecar prints when ready', () => {
  const base = {
    appId: 'example-client',
    url: 'http://127.0.0.1:3600',
    grpcPort: 40001,
    apiToken: 'tok',
    appPort: undefined,
    appToken: undefined,
    gatewayUrl: 'http://127.0.0.1:8080',
    logFile: '/h/logs/example-client-dapr.log',
  };

  it('when the app may call inference, then it prints the URL, the token, its operations and curl lines that use them', () => {
    const text = readyLines({ ...base, operations: operationsFor(loadApps(), 'example-client') }).join('\n');
    expect(text).toContain('sidecar for example-client ready: http://127.0.0.1:3600 (gRPC 127.0.0.1:40001)');
    expect(text).toContain('dapr-api-token: tok');
    expect(text).toContain('DAPR_HTTP_PORT=3600 DAPR_GRPC_PORT=40001 DAPR_API_TOKEN=tok');
    expect(text).toMatch(/inference +POST \/v2\/models\/\{model\}\/infer/);
    expect(text).toContain(
      "curl -H 'dapr-api-token: tok' http://127.0.0.1:3600/v1.0/invoke/inference/method/v2/models/sensor-anomaly\n",
    );
    expect(text).toContain('http://127.0.0.1:3600/v1.0/invoke/inference/method/v2/models/sensor-anomaly/infer');
  });

  it('when no app lists it as a caller, then it says every call will be denied and offers no curl', () => {
    const text = readyLines({ ...base, appId: 'nobody', operations: [] }).join('\n');
    expect(text).toContain('no Meridian app lists nobody among its callers');
    expect(text).not.toContain('curl');
  });

  it('when it has an app port, then it prints the token the app receives', () => {
    const text = readyLines({ ...base, appPort: 9000, appToken: 'apptok', operations: [] }).join('\n');
    expect(text).toContain('reach your app on 127.0.0.1:9000 with header dapr-api-token: apptok');
  });
});

describe('the outside app Configuration', () => {
  const config = outsideConfiguration({ appId: 'example-client', nameResolutionDb: '/h/nr.db' });

  it('when made, then its sidecar serves the invoke API alone, on both protocols', () => {
    expect(config.spec.api.allowed).toEqual([
      { name: 'invoke', version: 'v1', protocol: 'http' },
      { name: 'invoke', version: 'v1', protocol: 'grpc' },
    ]);
  });

  it("when made, then no app may call it, it has mTLS, and it resolves names in the platform database with the platform's settings", () => {
    expect(config.spec.accessControl).toEqual({ defaultAction: 'deny', trustDomain: 'public', policies: [] });
    expect(config.spec.mtls.enabled).toBe(true);
    expect(config.spec.nameResolution).toEqual({
      component: 'sqlite',
      version: 'v1',
      // The same renewal and expiry as the platform's own sidecars (selfHostedNameResolution).
      configuration: { connectionString: '/h/nr.db', updateInterval: '2s', timeout: '1s' },
    });
  });

  it('when example-client is looked up, then it may infer on inference and call nothing on registry', () => {
    const ops = operationsFor(loadApps(), 'example-client');
    expect(ops).toContainEqual({ app: 'inference', op: 'POST /v2/models/{model}/infer' });
    expect(ops.filter((o) => o.app === 'registry')).toEqual([]);
    expect(ops).not.toContainEqual({ app: 'inference', op: 'POST /v2/repository/index' });
  });
});

describe('platform.json', () => {
  let home = '';
  const cp = {
    binDir: '/bin/dapr',
    sentryAddress: '127.0.0.1:1',
    placementAddress: '127.0.0.1:2',
    schedulerAddress: '127.0.0.1:3',
    trustDomain: 'localhost',
    trustAnchors: 'PEM',
    identityKey: 'KEY',
  } satisfies ControlPlaneInfo;
  const state = () => describePlatform({ home, pid: 4242, cp, gatewayUrl: 'http://127.0.0.1:8080', stack: 'local' });
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'meridian-platform-state-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('when written by a live launcher, then it reads back whole, owner-only, with no secret in it', () => {
    writePlatformState(state());
    expect(readPlatformState(home, (pid) => pid === 4242)).toEqual(state());
    expect(statSync(platformStateFile(home)).mode & 0o777).toBe(0o600);
    const text = readFileSync(platformStateFile(home), 'utf8');
    expect(text).not.toContain('KEY');
    expect(state().controlPlane.trustAnchorsFile).toBe(join(home, 'ca', 'ca.crt'));
    expect(state().nameResolution.database).toBe(join(home, 'nr.db'));
  });

  it('when there is none, then reading it says to start the platform with npm start first', () => {
    expect(() => readPlatformState(home, () => true)).toThrow(
      /Meridian is not running .*start it with npm start first/,
    );
  });

  it('when its launcher is gone, then reading it says so and to start the platform first', () => {
    writePlatformState(state());
    expect(() => readPlatformState(home, () => false)).toThrow(
      /launcher pid 4242, which wrote .* is gone\): start it with npm start first/,
    );
  });

  it('when it is not what a launcher writes, then reading it says so', () => {
    writeFileSync(platformStateFile(home), '{"version":1}');
    expect(() => readPlatformState(home, () => true)).toThrow(/not a state file/);
  });

  it('when another launcher removes it, then it stays; when its own does, then it is gone', () => {
    writePlatformState(state());
    removePlatformState(home, 1111);
    expect(existsSync(platformStateFile(home))).toBe(true);
    removePlatformState(home, 4242);
    expect(existsSync(platformStateFile(home))).toBe(false);
  });
});
