import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify, parse } from 'yaml';
import { loadApps } from '../apps.ts';
import type { ControlPlaneInfo } from '../control-plane.ts';
import { appConfiguration } from '../dapr-configuration.ts';
import { repoPath } from '../paths.ts';
import { appLauncher, type AppSlot } from '../running-app.ts';
import { sidecarPorts } from '../sidecar.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'tracing-'));
mkdirSync(join(dataDir, 'logs'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const inference = loadApps().find((a) => a.id === 'inference')!;
const tracing = { otlpGrpcAddress: '127.0.0.1:24317', otlpHttpUrl: 'http://127.0.0.1:24318' };

// Nothing is run: the binaries are not there, so each process fails to start and only its options are read.
const cp: ControlPlaneInfo = {
  binDir: join(dataDir, 'no-dapr'),
  sentryAddress: '127.0.0.1:1',
  placementAddress: '127.0.0.1:2',
  schedulerAddress: '127.0.0.1:3',
  trustDomain: 'localhost',
  trustAnchors: '',
  identityKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string,
};
const slot: AppSlot = {
  spec: { ...inference, entry: 'no/such/entry.ts' },
  appPort: 40_000,
  sidecarPorts: sidecarPorts([40_001, 40_002, 40_003, 40_004, 40_005]),
  daprToken: 'dapr-token',
  appToken: 'app-token',
};
const launcher = (o: { tracing?: typeof tracing }) =>
  appLauncher({
    cp,
    dataDir,
    env: {},
    resources: [],
    bundles: { inference: 'no/such/main.mjs' },
    ...(o.tracing ? { tracing: o.tracing } : {}),
  });
const argAfter = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('tracing in the sidecars and apps', () => {
  it('when a Configuration is made with tracing, then daprd exports every span over plain OTLP gRPC to the collector', () => {
    const { spec } = appConfiguration(inference, { selfHosted: true, tracing });
    expect(spec.tracing).toEqual({
      samplingRate: '1',
      otel: { endpointAddress: '127.0.0.1:24317', isSecure: false, protocol: 'grpc' },
    });
    expect(appConfiguration(inference, { selfHosted: true }).spec.tracing).toEqual({ samplingRate: '1' });
  });

  it("when the platform runs with tracing, then each sidecar loads this run's copy of its Configuration: the committed one plus the exporter", async () => {
    const sidecar = launcher({ tracing }).sidecar(slot);
    await sidecar.exited;
    const file = argAfter(sidecar.opts.args, '--config')!;
    expect(file).toBe(join(dataDir, 'configuration', 'inference.yaml'));
    const written = parse(readFileSync(file, 'utf8'));
    const committed = parse(readFileSync(repoPath('configuration/apps/inference.yaml'), 'utf8'));
    expect(written).toEqual({ ...committed, spec: { ...committed.spec, tracing: written.spec.tracing } });
    expect(written.spec.tracing.otel.endpointAddress).toBe('127.0.0.1:24317');
    expect(stringify(written)).not.toBe(stringify(committed));
    expect(sidecar.opts.env?.OTEL_RESOURCE_ATTRIBUTES).toBe('telemetry.sdk.language=go');
  });

  it('when the platform runs without tracing, then each sidecar loads the committed Configuration and apps get no OTLP endpoint', async () => {
    const { sidecar, app } = { sidecar: launcher({}).sidecar(slot), app: launcher({}).app(slot) };
    await Promise.all([sidecar.kill(), app.kill()]);
    expect(argAfter(sidecar.opts.args, '--config')).toBe(repoPath('configuration', 'apps', 'inference.yaml'));
    expect(app.opts.env?.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(process.env.OTEL_EXPORTER_OTLP_ENDPOINT);
  });

  it('when the platform runs with tracing, then every app exports its spans to the OTLP HTTP base URL', async () => {
    const app = launcher({ tracing }).app(slot);
    await app.kill();
    expect(app.opts.env?.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://127.0.0.1:24318');
  });
});
