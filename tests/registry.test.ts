import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ModelLifecycleEvent,
  ModelSummary,
  ModelVersionRecord,
  ModelVersionSummary,
  ProblemDetails,
  RollbackResponse,
  Topics,
} from '@meridian/contracts';
import { exportLogisticRegressionOnnx, trainSensorAnomalyBaseline } from '@meridian/ml';
import {
  allocatePorts,
  httpOk,
  repoPath,
  resolveStack,
  resourcePaths,
  sidecarPorts,
  SIDECAR_PORT_COUNT,
  startSidecar,
  waitFor,
  type ManagedProcess,
} from '@meridian/platform';
import { componentsFor } from '@meridian/testkit';
import { APPS_BUT_AGENTS, eventually, usePlatform, type PlatformHandle } from './helpers/platform.ts';

// The registry on real sidecars: SQLite state + local-storage artifacts
// (local), PostgreSQL state (postgres) and Redis state (redis, whose
// multi-key transactions do not roll back): the ETag guards must hold on all.
const STACKS = ['local', 'postgres', 'redis'];

const baseline = trainSensorAnomalyBaseline();
const onnxV1 = baseline.onnx;
// A second real model: the same graph with another bias, so its bytes differ.
const onnxV2 = exportLogisticRegressionOnnx(
  { ...baseline.model, bias: baseline.model.bias + 1 },
  { outputName: 'anomaly_probability', productFeatures: { humidity_x_temperature: ['humidity', 'temperature'] } },
);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * A subscriber with its own daprd, as any consumer of model-lifecycle
 * would run: it collects what the registry published.
 */
async function lifecycleProbe(
  h: PlatformHandle,
  stack: string,
): Promise<{ events: ModelLifecycleEvent[]; stop(): Promise<void> }> {
  const events: ModelLifecycleEvent[] = [];
  const [appPort, ...daprPorts] = (await allocatePorts(SIDECAR_PORT_COUNT + 1)) as [number, ...number[]];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'GET' && req.url === '/dapr/subscribe')
        return void res.end(JSON.stringify([{ pubsubname: 'pubsub', topic: Topics.modelLifecycle, route: '/events' }]));
      if (req.method === 'POST' && req.url === '/events') {
        const parsed = ModelLifecycleEvent.safeParse(
          (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: unknown }).data,
        );
        if (parsed.success) events.push(parsed.data);
        return void res.end(JSON.stringify({ status: parsed.success ? 'SUCCESS' : 'DROP' }));
      }
      res.statusCode = 404;
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(appPort, '127.0.0.1', r));
  const { dataDir } = h.platform;
  mkdirSync(join(dataDir, 'logs'), { recursive: true });
  const brokerUrl = h.platform.apps.registry!.sidecar.opts.env?.MERIDIAN_EMBEDDED_BROKER_URL;
  const ports = sidecarPorts(daprPorts);
  const sidecar: ManagedProcess = startSidecar({
    appId: 'lifecycle-probe',
    appPort,
    ports,
    cp: inject('controlPlane'),
    dataDir,
    config: repoPath('configuration/client.yaml'),
    resources: componentsFor({
      appId: 'lifecycle-probe',
      folders: resourcePaths(resolveStack(stack)).filter((p) => p.includes('/pubsub/')),
      dir: join(dataDir, 'lifecycle-probe-components'),
    }),
    ...(brokerUrl ? { env: { MERIDIAN_EMBEDDED_BROKER_URL: brokerUrl } } : {}),
  });
  await waitFor({
    what: 'lifecycle-probe sidecar',
    timeoutMs: 30_000,
    check: () => httpOk(`http://127.0.0.1:${ports.http}/v1.0/healthz`),
  });
  return {
    events,
    stop: async () => {
      await sidecar.stop();
      server.close();
    },
  };
}

/**
 * The postgres and redis stacks keep state between runs, and every app that
 * follows the registry (inference) would find this run's test model there;
 * so it is removed through the registry's own sidecar (its keys are prefixed
 * with its app id). There is deliberately no delete in the registry's API.
 */
async function forgetModel(h: PlatformHandle, model: string): Promise<void> {
  const registry = h.platform.apps.registry!;
  const state = '/v1.0/state/statestore';
  const index = await registry.fetchDapr(`${state}/model:${model}`);
  if (index.status !== 200) return;
  const { last_version } = (await index.json()) as { last_version: number };
  const keys = [`model:${model}`, ...Array.from({ length: last_version }, (_, i) => `model:${model}:version:${i + 1}`)];
  await Promise.all(keys.map((key) => registry.fetchDapr(`${state}/${encodeURIComponent(key)}`, { method: 'DELETE' })));
  for (let attempt = 0; attempt < 20; attempt++) {
    const res = await registry.fetchDapr(`${state}/models`);
    const { names } = (await res.json()) as { names: string[] };
    const body = [
      {
        key: 'models',
        value: { names: names.filter((n) => n !== model) },
        etag: res.headers.get('etag'),
        options: { concurrency: 'first-write' },
      },
    ];
    if (
      (
        await registry.fetchDapr(state, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).ok
    )
      break;
  }
  if ((await registry.fetchDapr(`${state}/model:${model}`)).status !== 204)
    process.stderr.write(`registry test: could not remove test model ${model} from the shared state store\n`);
}

describe.each(STACKS)('model registry on MERIDIAN_STACK=%s', (stack) => {
  const h = usePlatform(stack, { apps: APPS_BUT_AGENTS });
  // Unique per run: the postgres stack keeps state between runs.
  const model = `reg-${stack}-${randomUUID().slice(0, 8)}`;
  let probe: Awaited<ReturnType<typeof lifecycleProbe>> | undefined;
  beforeAll(async () => {
    probe = await lifecycleProbe(h, stack);
  });
  afterAll(async () => {
    await probe?.stop();
    await forgetModel(h, model);
  });

  const call = async (
    path: string,
    init: { method?: string; body?: unknown; subject?: string; via?: 'app' | 'gateway-sidecar' } = {},
  ) => {
    // A subject is believed only from the gateway (its sidecar's mTLS identity), so calls that name one go that way.
    const via = init.via ?? (init.subject ? 'gateway-sidecar' : 'app');
    const send =
      via === 'gateway-sidecar'
        ? (p: string, i: RequestInit) => h.platform.apps.gateway!.fetchDapr(`/v1.0/invoke/registry/method${p}`, i)
        : (p: string, i: RequestInit) => h.platform.apps.registry!.fetchApp(p, i);
    const res = await send(`/v1/registry${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { 'content-type': 'application/json', ...(init.subject ? { 'x-meridian-subject': init.subject } : {}) },
      ...(init.body === undefined
        ? {}
        : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    const isJson = /json/.test(res.headers.get('content-type') ?? '');
    return {
      status: res.status,
      headers: res.headers,
      bytes,
      json: (isJson && bytes.length ? JSON.parse(bytes.toString('utf8')) : undefined) as any,
    }; // test-only: fields checked one by one
  };
  const register = (artifact: Uint8Array, o: { file?: string; name?: string } = {}) =>
    call(`/models/${o.name ?? model}/versions`, {
      subject: 'training',
      body: {
        artifact: Buffer.from(artifact).toString('base64'),
        ...(o.file ? { artifact_file: o.file } : {}),
        metadata: { ...baseline.metadata, name: o.name ?? model },
        code_version: 'git:abc123',
        registered_by: 'training',
      },
    });
  const move = (version: string, stage: string, subject = 'alice') =>
    call(`/models/${model}/versions/${version}/stage`, { subject, body: { stage, reason: `to ${stage} in a test` } });
  const expectProblem = (res: { status: number; headers: Headers; json: unknown }, status: number) => {
    expect(res.status, JSON.stringify(res.json)).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    return ProblemDetails.parse(res.json);
  };

  it('when two versions are registered, then they get 1 and 2, the card and checksums are recorded, and the bytes are stored as they are', async () => {
    const one = await register(onnxV1);
    expect(one.status, JSON.stringify(one.json)).toBe(201);
    const v1 = ModelVersionRecord.parse(one.json);
    expect(v1).toMatchObject({
      name: model,
      version: '1',
      stage: 'candidate',
      platform: 'onnx',
      code_version: 'git:abc123',
      registered_by: 'training',
      dataset_hash: baseline.metadata.dataset.hash,
    });
    expect(v1.artifact).toEqual({
      file: 'model.onnx',
      sha256: sha256(onnxV1),
      size: onnxV1.length,
      path: `${model}/1/model.onnx`,
    });
    expect(v1.metadata).toMatchObject({
      name: model,
      version: '1',
      params: { seed: 42 },
      inputs: baseline.metadata.inputs,
    });
    expect(one.headers.get('location')).toBe(`/v1/registry/models/${model}/versions/1`);
    const two = await register(onnxV2);
    expect(two.status).toBe(201);
    expect(two.json.version).toBe('2');
    expect(await readFile(join(h.platform.dataDir, 'artifacts', model, '2', 'model.onnx'))).toEqual(
      Buffer.from(onnxV2),
    );
  });

  it('when an artifact is read, directly or through the gateway sidecar, then the bytes are exact and carry their sha256', async () => {
    for (const via of ['app', 'gateway-sidecar'] as const) {
      for (const [version, bytes] of [
        ['1', onnxV1],
        ['2', onnxV2],
      ] as const) {
        const res = await call(`/models/${model}/versions/${version}/artifact`, { via });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('application/octet-stream');
        expect(res.headers.get('x-artifact-sha256')).toBe(sha256(bytes));
        expect(res.bytes.equals(Buffer.from(bytes))).toBe(true);
      }
    }
  });

  it('when an artifact holds every byte value (2 MiB of them), then it round-trips byte for byte', async () => {
    const bytes = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(2 * 1024 * 1024)]);
    const res = await register(bytes, { file: 'weights.bin' });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    const back = await call(`/models/${model}/versions/${res.json.version}/artifact`);
    expect(back.headers.get('x-artifact-sha256')).toBe(sha256(bytes));
    expect(back.bytes.equals(bytes)).toBe(true);
    expect(back.headers.get('content-disposition')).toBe('attachment; filename="weights.bin"');
  });

  it('when versions move through stages, then each move is in the audit trail and promoting one archives the production one', async () => {
    expect((await move('1', 'staging', 'alice')).status).toBe(200);
    expect((await move('1', 'production', 'bob')).status).toBe(200);
    const promoted = await move('2', 'production', 'carol');
    expect(promoted.status).toBe(200);
    expect(ModelVersionRecord.parse(promoted.json).stage).toBe('production');
    const v1 = ModelVersionRecord.parse((await call(`/models/${model}/versions/1`)).json);
    expect(v1.stage).toBe('archived');
    expect(v1.history.map((c) => [c.by, c.from, c.to, c.action])).toEqual([
      ['training', null, 'candidate', 'registered'],
      ['alice', 'candidate', 'staging', 'moved'],
      ['bob', 'staging', 'production', 'moved'],
      ['carol', 'production', 'archived', 'demoted'],
    ]);
    expect(v1.history[3]).toMatchObject({ replaced_by: '2', reason: 'to production in a test' });
    const list = (await call(`/models/${model}/versions`)).json.map((v: unknown) => ModelVersionSummary.parse(v));
    expect(list.map((v: ModelVersionSummary) => [v.version, v.stage])).toEqual([
      ['1', 'archived'],
      ['2', 'production'],
      ['3', 'candidate'],
    ]);
    const models = ((await call('/models')).json as unknown[]).map((m) => ModelSummary.parse(m));
    expect(models.find((m) => m.name === model)).toEqual({
      name: model,
      production_version: '2',
      latest_version: '3',
      versions: 3,
    });
  });

  it('when a move is not allowed, the body is invalid, or the model or version is unknown, then 409, 400 naming the field, or 404', async () => {
    expect(expectProblem(await move('2', 'staging'), 409).detail).toContain('from production to staging');
    expect(expectProblem(await move('1', 'candidate'), 409).detail).toContain('from archived to candidate');
    expect(
      expectProblem(
        await call(`/models/${model}/versions/1/stage`, { body: { stage: 'staging', reason: ' ' } }),
        400,
      ).errors?.map((e) => e.path),
    ).toEqual(['reason']);
    expect(
      expectProblem(
        await call(`/models/${model}/versions/1/stage`, { body: { stage: 'live', reason: 'x' } }),
        400,
      ).errors?.map((e) => e.path),
    ).toEqual(['stage']);
    expect(
      expectProblem(
        await call(`/models/${model}/versions`, {
          body: { artifact: 'not base64!', metadata: { ...baseline.metadata, platform: 'pytorch' } },
        }),
        400,
      )
        .errors?.map((e) => e.path)
        .sort(),
    ).toEqual(['artifact', 'metadata.platform']);
    expect(
      expectProblem(
        await call(`/models/${model}/versions`, {
          body: { artifact: 'AAAA', metadata: { ...baseline.metadata, name: 'other' } },
        }),
        400,
      ).errors?.map((e) => e.path),
    ).toEqual(['metadata.name']);
    expectProblem(await call('/models/no-such-model/versions'), 404);
    expectProblem(await call(`/models/${model}/versions/99`), 404);
    expectProblem(await call(`/models/${model}/versions/99/artifact`), 404);
    expectProblem(await move('99', 'staging'), 404);
  });

  it('when rolled back, then the previous production version returns, the current one is archived, and with no earlier one it is 409', async () => {
    const res = await call(`/models/${model}/rollback`, { subject: 'dave', body: { reason: 'v2 regressed' } });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    const { production, archived } = RollbackResponse.parse(res.json);
    expect([production.version, production.stage, archived.version, archived.stage]).toEqual([
      '1',
      'production',
      '2',
      'archived',
    ]);
    expect(production.history.at(-1)).toMatchObject({
      by: 'dave',
      from: 'archived',
      to: 'production',
      action: 'rolled-back',
      reason: 'v2 regressed',
    });
    expectProblem(await call(`/models/${model}/rollback`, { body: { reason: 'again' } }), 409);
    expectProblem(await call(`/models/${model}/rollback`, { body: {} }), 400);
  });

  const productionVersions = async () =>
    ((await call(`/models/${model}/versions`)).json as ModelVersionSummary[])
      .filter((v) => v.stage === 'production')
      .map((v) => v.version);

  it('when two callers who saw the same production version promote different versions at once, then exactly one wins and the other gets 409, every time', async () => {
    for (let round = 0; round < 8; round++) {
      const seen = (await productionVersions())[0] ?? null;
      const [a, b] = [(await register(onnxV1)).json.version as string, (await register(onnxV2)).json.version as string];
      const promote = (v: string) =>
        call(`/models/${model}/versions/${v}/stage`, {
          subject: `op-${v}`,
          body: { stage: 'production', reason: 'race', expected_production_version: seen },
        });
      const results = await Promise.all([promote(a), promote(b)]);
      expect(results.map((r) => r.status).sort(), `round ${round}`).toEqual([200, 409]);
      expect(expectProblem(results.find((r) => r.status === 409)!, 409).detail).toMatch(
        /changed while this request|not .* as expected/,
      );
      expect(await productionVersions()).toEqual([results[0]!.status === 200 ? a : b]);
    }
  });

  it('when two versions are promoted at once without a precondition, then overlapping requests get one 200 and one 409, and the model never has two production versions', async () => {
    let overlapped = 0;
    for (let round = 0; round < 8; round++) {
      const [a, b] = [(await register(onnxV1)).json.version as string, (await register(onnxV2)).json.version as string];
      const results = await Promise.all([move(a, 'production'), move(b, 'production')]);
      const statuses = results
        .map((r) => r.status)
        .sort()
        .join(',');
      expect(['200,409', '200,200'], `round ${round}`).toContain(statuses);
      const production = await productionVersions();
      expect(production).toHaveLength(1);
      if (statuses === '200,409') {
        overlapped++;
        expect(production).toEqual([results[0]!.status === 200 ? a : b]);
      } else {
        // Not concurrent after all: applied one after the other, the first archived by the second, on the record.
        const first = production[0] === a ? b : a;
        const demoted = ModelVersionRecord.parse((await call(`/models/${model}/versions/${first}`)).json);
        expect(demoted.history.at(-1)).toMatchObject({ action: 'demoted', replaced_by: production[0] });
      }
    }
    process.stdout.write(`[${stack}] ${overlapped}/8 promotion pairs overlapped and were decided by the ETag\n`);
  });

  it('when the stored bytes are changed behind the registry, then reading the artifact is a 500 naming the checksum mismatch', async () => {
    const path = join(h.platform.dataDir, 'artifacts', model, '1', 'model.onnx');
    const bytes = await readFile(path);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    await writeFile(path, bytes);
    const problem = expectProblem(await call(`/models/${model}/versions/1/artifact`), 500);
    expect(problem.detail).toContain('checksum mismatch');
    expect(problem.detail).toContain(`expected sha256 ${sha256(onnxV1)}`);
  });

  it('when an artifact is over the 64 MiB limit, then 413', async () => {
    const res = await call(`/models/${model}/versions`, {
      body: {
        artifact: Buffer.alloc(64 * 1024 * 1024 + 1).toString('base64'),
        metadata: { ...baseline.metadata, name: model },
      },
    });
    expect(expectProblem(res, 413).detail).toContain('limit');
  });

  it('when versions are registered, moved and rolled back, then a subscriber receives every change on model-lifecycle', async () => {
    const mine = await eventually(
      async () => probe!.events.filter((e) => e.model === model),
      (es) => es.some((e) => e.action === 'rolled-back' && e.to === 'production'),
    );
    const line = (e: ModelLifecycleEvent) => `${e.version}:${e.from}->${e.to}:${e.action}`;
    expect(mine.map(line)).toEqual(
      expect.arrayContaining([
        '1:null->candidate:registered',
        '2:null->candidate:registered',
        '1:candidate->staging:moved',
        '2:candidate->production:moved',
        '1:production->archived:demoted',
        '2:production->archived:rolled-back',
        '1:archived->production:rolled-back',
      ]),
    );
    expect(mine.find((e) => e.action === 'demoted')).toMatchObject({
      by: 'carol',
      production_version: '2',
      reason: 'to production in a test',
    });
    expect(new Set(mine.map((e) => e.id)).size).toBe(mine.length);
  });
});
