import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocatePorts, ensureDevModels, PlatformState, platformStateFile, repoPath } from '@meridian/platform';
import { bootstrap, killAll, printed, run, type Run } from './helpers/bootstrap-run.ts';
import { alive, childrenOf } from './helpers/processes.ts';

// `npm start` and `npm run sidecar` as a user types them (node tools/bootstrap.mjs is what the
// npm scripts run), and an application in Python calling inference through that sidecar.

interface ClientResult {
  step: string;
  status: number;
  inputs?: string[];
  outputs?: { name: string; datatype: string; shape: number[]; data: number[] }[];
  body?: unknown;
}

/** The Python application: one run, one JSON line. */
async function python(args: string[], env: { DAPR_HTTP_ENDPOINT: string; DAPR_API_TOKEN?: string }) {
  const r = run('python3', [repoPath('tests/helpers/outside-client.py'), ...args], env);
  expect(await r.exited, r.output()).toBe(0);
  return JSON.parse(r.output().trim().split('\n').pop()!) as ClientResult;
}

const READY = 'sidecar for example-client ready: ';
const reading = JSON.stringify({
  inputs: [
    { name: 'humidity', shape: [1], datatype: 'FP32', data: [45] },
    { name: 'temperature', shape: [1], datatype: 'FP32', data: [27] },
  ],
});

describe('npm run sidecar without a running platform', () => {
  const home = mkdtempSync(join(tmpdir(), 'meridian-outside-none-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('when no platform runs from MERIDIAN_HOME, then it exits 1 saying to start it with npm start first', async () => {
    const r = bootstrap(['sidecar', '--app-id', 'example-client'], { MERIDIAN_HOME: home });
    expect(await r.exited).toBe(1);
    expect(r.output()).toContain('start it with npm start first');
  });
});

describe('an application in Python calling inference through npm run sidecar', () => {
  const home = mkdtempSync(join(tmpdir(), 'meridian-outside-'));
  const running: Run[] = [];
  let launcher: Run;
  let sidecar: Run;
  let gatewayPort = 0;
  let endpoint = '';
  let token = '';

  beforeAll(async () => {
    // The seeded model serves at once: no training at start competes for the cores.
    await ensureDevModels(home);
    let httpPort: number;
    [gatewayPort, httpPort] = (await allocatePorts(2)) as [number, number];
    // The local stack only: its broker is embedded in this launcher, so no other run shares a
    // consumer with it (MERIDIAN_MQTT_URL is left out of its environment for the same reason).
    launcher = bootstrap(['start'], {
      MERIDIAN_HOME: home,
      GATEWAY_PORT: `${gatewayPort}`,
      MERIDIAN_STACK: 'local',
      BOOTSTRAP_MODELS: '',
    });
    running.push(launcher);
    await printed(launcher, '[meridian] ready in ', 180_000);
    sidecar = bootstrap(['sidecar', '--app-id', 'example-client', '--http-port', `${httpPort}`], {
      MERIDIAN_HOME: home,
    });
    running.push(sidecar);
    await printed(sidecar, READY, 60_000);
    // The token is read from the curl line the ready line announces.
    await printed(sidecar, "curl -H 'dapr-api-token: ", 5_000);
    endpoint = `http://127.0.0.1:${httpPort}`;
    token = sidecar.output().match(/dapr-api-token: (\S+)/)?.[1] ?? '';
  });
  afterAll(async () => {
    await killAll(running);
    rmSync(home, { recursive: true, force: true });
  });

  it('when the launcher is ready, then platform.json names it, its control plane and its gateway', () => {
    const state = PlatformState.parse(JSON.parse(readFileSync(platformStateFile(home), 'utf8')));
    expect(state.pid).toBe(launcher.child.pid);
    expect(state.gatewayUrl).toBe(`http://127.0.0.1:${gatewayPort}`);
    expect(state.controlPlane.trustDomain).toBe('localhost');
    expect(existsSync(state.controlPlane.trustAnchorsFile)).toBe(true);
    expect(state.controlPlane.sentryAddress).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('when ready, then the sidecar is a real daprd with mTLS on the platform sentry, and it printed a URL, a token and a curl', () => {
    const state = PlatformState.parse(JSON.parse(readFileSync(platformStateFile(home), 'utf8')));
    const daprd = childrenOf(sidecar.child.pid!).find((k) => k.comm === 'daprd');
    expect(daprd?.cmdline).toContain('--app-id example-client ');
    expect(daprd?.cmdline).toContain('--enable-mtls');
    expect(daprd?.cmdline).toContain(`--sentry-address ${state.controlPlane.sentryAddress}`);
    expect(token).toMatch(/^[\w-]{32}$/);
    expect(sidecar.output()).toContain(`${READY}${endpoint}`);
    expect(sidecar.output()).toContain(`curl -H 'dapr-api-token: ${token}' ${endpoint}/v1.0/invoke/inference/method/`);
  });

  it('when the Python app reads the model inputs and predicts through its sidecar with the token, then it gets 200 and a probability', async () => {
    const result = await python(['predict', 'sensor-anomaly'], { DAPR_HTTP_ENDPOINT: endpoint, DAPR_API_TOKEN: token });
    expect(result, JSON.stringify(result)).toMatchObject({ step: 'infer', status: 200 });
    expect([...result.inputs!].sort()).toEqual(['humidity', 'temperature']);
    const [output] = result.outputs!;
    expect(output!.name).toBe('anomaly_probability');
    expect(output!.data).toHaveLength(1);
    expect(output!.data[0]).toBeGreaterThanOrEqual(0);
    expect(output!.data[0]).toBeLessThanOrEqual(1);
  });

  it('when the same call carries no token, then its own sidecar answers 401', async () => {
    const args = ['call', 'POST', 'inference', '/v2/models/sensor-anomaly/infer', reading];
    for (const env of [{ DAPR_HTTP_ENDPOINT: endpoint }, { DAPR_HTTP_ENDPOINT: endpoint, DAPR_API_TOKEN: 'forged' }]) {
      const result = await python(args, env);
      expect(result.status).toBe(401);
      expect(result.body).toBe('invalid api token\n');
    }
  });

  it.each([
    ['GET', 'registry', '/v1/registry/models'],
    ['POST', 'inference', '/v2/repository/index'],
    ['GET', 'monitor', '/v1/monitor/predictions'],
  ])(
    'when it calls %s %s%s, which apps.json does not list it for, then the callee ACL denies it (403)',
    async (method, app, path) => {
      const result = await python(['call', method, app, path], { DAPR_HTTP_ENDPOINT: endpoint, DAPR_API_TOKEN: token });
      expect(result.status).toBe(403);
      expect(JSON.stringify(result.body)).toContain(
        'access control policy has denied access to id: spiffe://public/ns/default/example-client',
      );
    },
  );

  it('when Ctrl-C reaches npm run sidecar, then its daprd stops and it exits 0', async () => {
    const daprd = childrenOf(sidecar.child.pid!).find((k) => k.comm === 'daprd')!;
    sidecar.child.kill('SIGINT');
    expect(await sidecar.exited).toBe(0);
    expect(alive(daprd.pid)).toBe(false);
    expect(sidecar.output()).toContain('[meridian] sidecar for example-client stopped');
  });

  it('when the platform stops, then platform.json is removed and a running outside sidecar stops with it', async () => {
    const [httpPort] = (await allocatePorts(1)) as [number];
    const second = bootstrap(['sidecar', '--app-id', 'example-client', '--http-port', `${httpPort}`], {
      MERIDIAN_HOME: home,
    });
    running.push(second);
    await printed(second, READY, 60_000);
    launcher.child.kill('SIGTERM');
    expect(await launcher.exited).toBe(0);
    expect(existsSync(platformStateFile(home))).toBe(false);
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain('the platform stopped');
  });
});
