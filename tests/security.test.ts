import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditListResponse, ModelVersionRecord, ProblemDetails, type Role } from '@meridian/contracts';
import { EDGE_ROUTES } from '../apps/gateway/src/routes/route-table.ts';
import { forgedTokens } from './helpers/forged-tokens.ts';
import { eventually, usePlatform } from './helpers/platform.ts';
import { rawRequest } from './helpers/raw-http.ts';

/** A built console for the gateway (CONSOLE_DIR), beside a file it must never serve. */
const consoleRoot = mkdtempSync(join(tmpdir(), 'meridian-console-'));
const consoleDist = join(consoleRoot, 'dist');
mkdirSync(join(consoleDist, 'assets'), { recursive: true });
writeFileSync(join(consoleDist, 'index.html'), '<!doctype html><title>Meridian</title>');
writeFileSync(join(consoleDist, 'assets', 'index-a1b2c3.js'), 'export {};');
writeFileSync(join(consoleRoot, 'secrets.json'), '{"marker":"CONSOLE-OUTSIDE-DIST"}');
afterAll(() => rmSync(consoleRoot, { recursive: true, force: true }));

/**
 * The attack suite of the public edge, on real sidecars: every way of
 * spelling a path, every forged token and every lower role against the
 * gateway, and ten thousand generated bodies. Each probe asserts the request
 * never reached what it aimed at.
 */
const h = usePlatform('local', {
  apps: ['gateway', 'inference', 'monitor', 'registry', 'ingestion'],
  // Admin calls are few here: a low admin limit lets the rate-limit probe reach it; the fuzzers stay far below theirs.
  env: {
    RATE_LIMITS: 'infer:*=600000/60s,read:*=600000/60s,ingest:*=600000/60s,admin:*=60/60s',
    CONSOLE_DIR: consoleDist,
  },
});

const gatewayPort = () => Number(new URL(h.platform.gatewayUrl).port);
const send = async (
  method: string,
  target: string,
  o: { roles?: Role[]; sub?: string; token?: string; body?: unknown } = {},
) => {
  const token = o.token ?? (o.roles ? await h.token(o.roles, o.sub) : undefined);
  return rawRequest({
    port: gatewayPort(),
    method,
    target,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(o.body === undefined ? {} : { body: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) }),
  });
};
const reading = {
  inputs: [
    { name: 'humidity', shape: [1], datatype: 'FP32', data: [45] },
    { name: 'temperature', shape: [1], datatype: 'FP32', data: [27] },
  ],
};
const sample = (path: string) =>
  path
    .replace('{model}', 'sensor-anomaly')
    .replace('{version}', '1')
    .replace('{id}', 'run-1')
    .replace('{stream}', 'sensor-readings')
    .replace('{entity}', '7');

describe('the public edge under attack', () => {
  it("when a predict token climbs from a route into the gateway's sidecar API (secrets, publish, state, bindings, metadata, jobs, shutdown), then 400 and no key, event or shutdown", async () => {
    const targets = [
      'secrets/secretstore/jwt-signing-keys',
      'secrets/secretstore/jwt-verification-keys',
      'publish/pubsub/predictions',
      'state/statestore/x',
      'bindings/artifacts',
      'metadata',
      'shutdown',
    ];
    const climbs = [
      '/v1/monitor/../../../../../../../../v1.0/',
      '/v1/monitor/%2e%2e/%2e%2e/%2e%2e/v1.0/',
      '/v1/monitor/..%2f..%2f..%2fv1.0/',
      '/v1/monitor/%252e%252e/%252e%252e/v1.0/',
      '/v1/monitor\\..\\..\\v1.0/',
      '/v1/monitor/..%5c..%5cv1.0/',
    ];
    for (const climb of climbs) {
      for (const target of [...targets, '../v1.0-alpha1/jobs/x']) {
        for (const method of ['GET', 'POST']) {
          const res = await send(method, `${climb}${target}`, {
            roles: ['predict'],
            ...(method === 'POST' ? { body: {} } : {}),
          });
          expect(res.status, `${method} ${climb}${target}`).toBe(400);
          expect(res.text).not.toMatch(/"kty"|"keys"|"d":/);
        }
      }
    }
    expect((await fetch(`${h.platform.gatewayUrl}/readyz`)).status).toBe(200);
  });

  it('when an admin operation is called with a lower role, however it is spelled, then it never succeeds, and spelled canonically it is 403', async () => {
    const admin = EDGE_ROUTES.filter((r) => r.roles.includes('admin') && !r.roles.some((x) => x !== 'admin'));
    const spellings = (path: string) => [
      path,
      path.toUpperCase(),
      path.replace(/^\/(v\d)\//, (_m, v: string) => `/${v.toUpperCase()}/`),
      `${path}/`,
      path.replace(/\//g, '//'),
      path.replace(/\/([^/]+)$/, '%2F$1'),
      path.replace(/\/([^/]+)$/, '/./$1'),
      path.replace(/^\/([^/]+)\//, '/$1/x/../'),
      `${path};x=1`,
      path.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`),
    ];
    for (const route of admin) {
      for (const roles of [
        ['predict'],
        ['ingest'],
        ['model-download'],
        ['predict', 'ingest', 'model-download'],
      ] as Role[][]) {
        for (const target of spellings(sample(route.path))) {
          const res = await send(route.method, target, { roles, ...(route.method === 'GET' ? {} : { body: {} }) });
          expect(res.status, `${route.method} ${target} as ${roles.join(',')}`).toBeGreaterThanOrEqual(400);
          if (target === sample(route.path)) expect(res.status, `${route.method} ${target}`).toBe(403);
        }
      }
    }
    // Nothing changed: the model is still loaded, with its policy as before.
    expect((await send('GET', '/v2/models/sensor-anomaly', { roles: ['predict'] })).status).toBe(200);
    expect(
      JSON.parse((await send('GET', '/v2/models/sensor-anomaly/policy', { roles: ['predict'] })).text),
    ).toMatchObject({ traffic: {} });
  });

  it("when an admin spells an admin route non-canonically, then it is refused too: only the table's spelling is forwarded", async () => {
    for (const target of [
      '/v2/repository%2Fmodels%2Fsensor-anomaly%2Funload',
      '/v2/REPOSITORY/models/sensor-anomaly/unload',
      '/v2/repository/models/sensor-anomaly/unload/',
      '/v2/repository/models/sensor-anomaly/x/../unload',
    ]) {
      expect((await send('POST', target, { roles: ['admin'], body: {} })).status, target).toBe(400);
    }
    expect((await send('POST', '/v2/models/sensor-anomaly/infer', { roles: ['predict'], body: reading })).status).toBe(
      200,
    );
  });

  it('when anything under /v1.0 or outside the table (the batch path too) is asked for, then 404, whatever the role (and /metrics is 401 to a client token)', async () => {
    for (const target of [
      '/v1.0/metadata',
      '/v1.0/healthz',
      '/v1.0/secrets/secretstore/jwt-verification-keys',
      '/dapr/subscribe',
      '/v2/models/sensor-anomaly/infer/extra',
    ]) {
      expect((await send('GET', target, { roles: ['admin'] })).status, target).toBe(404);
    }
    // The batches the gateway sends inference under load are its own calls: no client reaches that path.
    const batch = { requests: [{ model: 'sensor-anomaly', body: { inputs: [] } }] };
    for (const target of ['/v1/infer-batch', '/v2/models/sensor-anomaly/v1/infer-batch'])
      expect((await send('POST', target, { roles: ['admin'], body: batch })).status, target).toBe(404);
    // The gateway's metrics take its own app token (Prometheus scrapes with it), never a client's token.
    expect((await send('GET', '/metrics', { roles: ['admin'] })).status).toBe(401);
  });

  it('when a token is forged (alg none, another key, HS/ES confusion, expired, not yet valid, wrong issuer or audience, no exp, too long, cut), then 401', async () => {
    const forged = await forgedTokens(h.platform.dataDir);
    expect(Object.keys(forged).length).toBeGreaterThanOrEqual(10);
    for (const [name, token] of Object.entries(forged)) {
      const res = await send('GET', '/v2/models/sensor-anomaly', { token });
      expect(res.status, name).toBe(401);
      expect(ProblemDetails.parse(JSON.parse(res.text)).code).toBe('UNAUTHENTICATED');
    }
    expect((await send('GET', '/v2/models/sensor-anomaly')).status).toBe(401);
    expect((await send('GET', '/v2/models/sensor-anomaly', { roles: ['predict'] })).status).toBe(200);
  });

  it('when model weights are downloaded, then a predict token is refused and a model-download token gets the bytes, audited', async () => {
    const path = '/v1/registry/models/sensor-anomaly/versions/1/artifact';
    const register = await registerTestVersion('weights');
    const target = path.replace('sensor-anomaly', register.name);
    expect((await send('GET', target, { roles: ['predict'] })).status).toBe(403);
    const res = await fetch(`${h.platform.gatewayUrl}${target}`, {
      headers: { authorization: `Bearer ${await h.token(['model-download'], 'downloader')}` },
    });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).length).toBeGreaterThan(0);
    const audit = AuditListResponse.parse(
      JSON.parse((await send('GET', '/v1/audit?action=registry.artifact', { roles: ['admin'] })).text),
    );
    expect(audit.entries.some((e) => e.subject === 'downloader' && e.path === target)).toBe(true);
  });

  it("when an admin registers and stages with someone else's name in the body, then the registry and the audit log record the token's subject", async () => {
    const record = await registerTestVersion('audit', { registered_by: 'mallory' });
    expect(record.registered_by).toBe('ada');
    const stage = await send('POST', `/v1/registry/models/${record.name}/versions/1/stage`, {
      roles: ['admin'],
      sub: 'ada',
      body: { stage: 'staging', reason: 'security test', by: 'mallory' },
    });
    expect(stage.status).toBe(200);
    const version = ModelVersionRecord.parse(
      JSON.parse((await send('GET', `/v1/registry/models/${record.name}/versions/1`, { roles: ['predict'] })).text),
    );
    expect(version.history.at(-1)).toMatchObject({ by: 'ada', to: 'staging' });
    const audit = await eventually(
      async () =>
        AuditListResponse.parse(
          JSON.parse((await send('GET', `/v1/audit?subject=ada&action=registry.stage`, { roles: ['admin'] })).text),
        ),
      (a) => a.entries.some((e) => e.path.includes(record.name) && e.outcome?.status === 200),
    );
    expect(audit.entries.find((e) => e.path.includes(record.name))).toMatchObject({
      subject: 'ada',
      action: 'registry.stage',
      target: 'registry',
    });
    // The body's claim is kept as what was sent (the summary), never as who acted.
    expect(audit.entries.every((e) => e.subject === 'ada')).toBe(true);
  });

  it("when an app fails with internal details (a missing artifact's path), then the caller gets a generic problem with a trace id, never the text", async () => {
    const record = await registerTestVersion('missing');
    const dir = join(h.platform.dataDir, 'artifacts');
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter(
      (f) => f.includes(record.name) && statSync(join(dir, f)).isFile(),
    );
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) rmSync(join(dir, f));
    const res = await send('GET', `/v1/registry/models/${record.name}/versions/1/artifact`, {
      roles: ['model-download'],
    });
    expect(res.status).toBe(500);
    const problem = ProblemDetails.parse(JSON.parse(res.text));
    expect(problem.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(res.text).not.toMatch(/artifacts|model\.onnx|missing from|\/tmp\//);
  });

  it('when a subject passes its rate limit, then 429 with Retry-After and RateLimit headers', async () => {
    let last = await send('GET', '/v1/audit?limit=1', { roles: ['admin'], sub: 'flood' });
    for (let i = 0; i < 70 && last.status === 200; i++)
      last = await send('GET', '/v1/audit?limit=1', { roles: ['admin'], sub: 'flood' });
    expect(last.status).toBe(429);
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
    expect(last.headers['ratelimit-limit']).toBe('60');
    expect(last.headers['ratelimit-remaining']).toBe('0');
    expect((await send('GET', '/v1/audit?limit=1', { roles: ['admin'], sub: 'calm' })).status).toBe(200);
  });

  it('when a body is nested 10,000 deep, then 400 naming the limit, and the platform stays healthy', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    for (const target of ['/v2/models/sensor-anomaly/infer', '/v1/ingest/sensor-readings']) {
      const res = await send('POST', target, { roles: ['predict', 'ingest'], body: `{"inputs":${deep}}` });
      expect(res.status, target).toBe(400);
      expect(res.text).toMatch(/nested deeper than/);
    }
    expect((await fetch(`${h.platform.gatewayUrl}/readyz`)).status).toBe(200);
  });

  it('when 10,000 generated OIP and ingest bodies are sent, then none gets a 5xx and the platform still serves', {
    timeout: 600_000,
  }, async () => {
    const token = await h.token(['predict', 'ingest'], 'fuzzer');
    const tensor = fc.record(
      {
        name: fc.oneof(fc.constantFrom('humidity', 'temperature'), fc.string()),
        shape: fc.oneof(fc.array(fc.integer({ min: -2, max: 4 }), { maxLength: 3 }), fc.jsonValue()),
        datatype: fc.oneof(fc.constantFrom('FP32', 'INT64', 'BYTES', 'FP64', 'BOOL'), fc.string()),
        data: fc.oneof(fc.array(fc.oneof(fc.double(), fc.integer(), fc.string()), { maxLength: 5 }), fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    const column = (name: string) =>
      fc
        .array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 4 })
        .map((data) => ({ name, shape: [data.length], datatype: 'FP32', data }));
    const oip = fc.oneof(
      fc.record(
        {
          inputs: fc.tuple(column('humidity'), column('temperature')),
          parameters: fc.option(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.double(), fc.boolean()))),
        },
        { requiredKeys: ['inputs'] },
      ),
      fc.record(
        {
          inputs: fc.array(tensor, { maxLength: 3 }),
          parameters: fc.option(fc.dictionary(fc.string(), fc.jsonValue())),
          id: fc.option(fc.string()),
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue({ maxDepth: 6 }),
    );
    const record = fc.record(
      {
        mote_id: fc.oneof(fc.integer(), fc.string(), fc.double()),
        humidity: fc.oneof(fc.double(), fc.string()),
        temperature: fc.oneof(fc.double(), fc.jsonValue()),
        ts: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.string(),
        ),
        id: fc.option(fc.string()),
      },
      { requiredKeys: [] },
    );
    const ingest = fc.oneof(
      fc.array(fc.oneof(record, fc.jsonValue({ maxDepth: 4 })), { maxLength: 8 }),
      fc.jsonValue({ maxDepth: 6 }),
    );
    const bodies = [
      ...fc.sample(oip, { numRuns: 5000, seed: 42 }).map((b) => ['/v2/models/sensor-anomaly/infer', b] as const),
      ...fc.sample(ingest, { numRuns: 5000, seed: 43 }).map((b) => ['/v1/ingest/sensor-readings', b] as const),
    ];
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < bodies.length) {
          const [target, body] = bodies[next++]!;
          const res = await send('POST', target, { token, body: JSON.stringify(body) ?? 'null' });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 500 && failures.length < 5)
            failures.push(`${res.status} ${target} ${JSON.stringify(body).slice(0, 200)} → ${res.text.slice(0, 200)}`);
        }
      }),
    );
    process.stderr.write(`[security] fuzz statuses: ${JSON.stringify(Object.fromEntries(statuses))}\n`);
    expect(bodies.length).toBe(10_000);
    expect(failures).toEqual([]);
    expect(statuses.get(200) ?? 0, 'some OIP bodies were valid and served').toBeGreaterThan(0);
    expect(statuses.get(202) ?? 0, 'some ingest batches were valid and taken').toBeGreaterThan(0);
    expect((await fetch(`${h.platform.gatewayUrl}/readyz`)).status).toBe(200);
    expect((await send('POST', '/v2/models/sensor-anomaly/infer', { roles: ['predict'], body: reading })).status).toBe(
      200,
    );
  });

  it('when the console is loaded without a token, then its index and files come with the CSP, and only GET or HEAD is answered', async () => {
    const index = await send('GET', '/console');
    expect(index.status).toBe(200);
    expect(index.text).toContain('<title>Meridian</title>');
    expect(index.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(index.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.headers['cache-control']).toBe('no-cache');
    const asset = await send('GET', '/console/assets/index-a1b2c3.js');
    expect([asset.status, asset.headers['cache-control']]).toEqual([200, 'public, max-age=31536000, immutable']);
    for (const method of ['POST', 'PUT', 'DELETE'])
      for (const target of ['/console', '/console/', '/console/assets/index-a1b2c3.js']) {
        const res = await send(method, target, { roles: ['admin'], body: {} });
        expect(res.status, `${method} ${target}`).toBe(405);
      }
  });

  it('when a path under /console climbs out or is encoded, then 400 or 404 and never a file outside the console', async () => {
    for (const target of [
      '/console/assets/..%2f..%2fsecrets.json',
      '/console/assets/..%2f..%2f..%2fsecrets.json',
      '/console/assets/%2e%2e/%2e%2e/secrets.json',
      '/console/assets/%252e%252e/%252e%252e/secrets.json',
      '/console/assets/../../secrets.json',
      '/console/../v1.0/secrets/secretstore/jwt-signing-keys',
      '/console/../../v1.0/metadata',
      '/console/assets/..\\..\\secrets.json',
      '/console/assets/..%5c..%5csecrets.json',
      '/console/assets/%00../secrets.json',
      '/console/assets/.%2e/.%2e/secrets.json',
      '/console//assets/index-a1b2c3.js',
      '/console/assets/.env',
      '/console/assets/index-a1b2c3.js/..',
    ]) {
      const res = await send('GET', target);
      expect([400, 404], target).toContain(res.status);
      expect(res.text, target).not.toMatch(/CONSOLE-OUTSIDE-DIST|"kty"|"keys"|"d":/);
    }
    expect((await fetch(`${h.platform.gatewayUrl}/readyz`)).status).toBe(200);
  });

  it('when /v1/events is opened without a token, then 401; with an ingest-only token, then 403; with predict, an event stream', async () => {
    const anonymous = await send('GET', '/v1/events');
    expect(anonymous.status).toBe(401);
    expect(ProblemDetails.parse(JSON.parse(anonymous.text)).code).toBe('UNAUTHENTICATED');
    expect((await send('GET', '/v1/events', { roles: ['ingest'] })).status).toBe(403);
    expect((await send('GET', '/v1/events', { roles: ['model-download'] })).status).toBe(403);
    const abort = new AbortController();
    const res = await fetch(`${h.platform.gatewayUrl}/v1/events`, {
      headers: { authorization: `Bearer ${await h.token(['predict'])}` },
      signal: abort.signal,
    });
    try {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        text += decoder.decode(chunk.value, { stream: true });
        if (text.includes('\n\n')) break;
      }
      // The monitor's counts are the first news of a fresh stream.
      expect(text).toMatch(/^event: predictions\ndata: \{"total":\d+,"per_model":\{/);
    } finally {
      abort.abort();
    }
  });

  it('when the platform writes its data dir, then only its owner can read it (keys, state, logs)', () => {
    expect(statSync(h.platform.dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(h.platform.dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(h.platform.dataDir, 'state-gateway.db'))).toBe(true);
  });
});

/** Registers a copy of the seeded sensor model as a new model through the gateway, as admin `ada`. */
async function registerTestVersion(tag: string, extra: Record<string, unknown> = {}): Promise<ModelVersionRecord> {
  const name = `sec-${tag}-${Math.random().toString(36).slice(2, 8)}`;
  const { readFileSync } = await import('node:fs');
  const dir = join(h.repository, 'sensor-anomaly', '1');
  const card = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
  const body = {
    artifact: readFileSync(join(dir, 'model.onnx')).toString('base64'),
    artifact_file: 'model.onnx',
    metadata: { ...card, name },
    ...extra,
  };
  const res = await send('POST', `/v1/registry/models/${name}/versions`, { roles: ['admin'], sub: 'ada', body });
  expect(res.status, res.text).toBe(201);
  return ModelVersionRecord.parse(JSON.parse(res.text));
}
