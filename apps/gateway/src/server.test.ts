import { request as httpRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, type DaprClient, type InvokeOptions, type SidecarResponse } from '@meridian/service-kit';
import { EDGE_ROUTES } from './routes/route-table.ts';
import { gatewayTestEnv, invokeAnswer, serveGateway, testGateway } from './testing/serve.ts';

createLogger({ name: 'test', level: 'silent' });
const env = gatewayTestEnv({
  RATE_LIMITS: 'infer:*=5/60s,read:*=1000/60s,ingest:*=1000/60s,admin:*=1000/60s',
});

/** The gateway's sidecar: records what would be invoked and answers what the test sets. */
const calls: InvokeOptions[] = [];
let answer: { status: number; body: unknown; type?: string } = { status: 200, body: { ok: true } };
const sidecar = {
  async healthy() {
    return true;
  },
  async invoke(o: InvokeOptions): Promise<SidecarResponse> {
    calls.push(o);
    const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    return invokeAnswer({ ...answer, body });
  },
} as unknown as DaprClient;

const served = await serveGateway({ env, dapr: sidecar });
const port = served.port;
afterAll(() => served.close());
beforeEach(() => {
  calls.length = 0;
  answer = { status: 200, body: { ok: true } };
});

/** A raw request: the path goes on the wire exactly as written (fetch would resolve dot segments first). */
function raw(
  method: string,
  path: string,
  o: { token?: string; body?: unknown } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
  return new Promise((resolve, reject) => {
    const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: {
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const infer = { inputs: [{ name: 'humidity', shape: [1], datatype: 'FP32', data: [45] }] };

describe('the gateway edge', () => {
  it('when a route forwards to an app, then it takes the lean lane; own, audited, public, unknown or non-canonical ones do not', () => {
    const lean = testGateway({ env, dapr: sidecar }).lean!;
    const takes = (method: string, url: string) => lean.takes({ method, url } as IncomingMessage);
    expect(takes('POST', '/v2/models/sensor-anomaly/infer')).toBe(true);
    expect(takes('GET', '/v2/models/sensor-anomaly/policy?x=1')).toBe(true);
    expect(takes('PUT', '/v2/models/sensor-anomaly/policy')).toBe(false);
    expect(takes('POST', '/v2/repository/models/m/unload')).toBe(false);
    expect(takes('GET', '/v1/audit')).toBe(false);
    expect(takes('GET', '/v1/events')).toBe(false);
    expect(takes('GET', '/console/')).toBe(false);
    expect(takes('GET', '/v2/models/sensor-anomaly/infer')).toBe(false);
    expect(takes('POST', '/v2/models/x/../infer')).toBe(false);
    expect(takes('POST', '/nope')).toBe(false);
  });

  it('when a path climbs out with dot segments, encoded or not, then 400 and nothing reaches the sidecar', async () => {
    for (const path of [
      '/v1/monitor/../../../../../../../../v1.0/secrets/secretstore/jwt-signing-key',
      '/v1/monitor/%2e%2e/%2e%2e/v1.0/metadata',
      '/v1/monitor/./predictions',
      '/v2/repository%2Fmodels%2Fm%2Funload',
      '/v2/models/m%5c..%5c..%5cv1.0/infer',
      '/v2/models/m%00/infer',
      '/v2//models/m/infer',
      '/v1/monitor\\..\\..\\v1.0/metadata',
    ]) {
      const res = await raw('POST', path, { token: 'eve:admin', body: infer });
      expect(res.status, path).toBe(400);
      expect(res.body.detail, path).toMatch(/non-canonical path/);
    }
    expect(calls).toEqual([]);
  });

  it('when an admin route is spelled with another case or a trailing slash, then 400 before authentication', async () => {
    for (const [method, path] of [
      ['POST', '/v2/REPOSITORY/index'],
      ['PUT', '/v2/models/m/policy/'],
      ['GET', '/v1/features/Offline'],
      ['POST', '/V2/repository/models/m/unload'],
    ]) {
      const res = await raw(method!, path!, { token: 'mallory:predict' });
      expect(res.status, path).toBe(400);
    }
    expect(calls).toEqual([]);
  });

  it('when an admin route is called with a predict or ingest token, then 403; with admin, it is forwarded on its own spelling', async () => {
    const admin = EDGE_ROUTES.filter((r) => r.roles.length === 1 && r.roles[0] === 'admin' && r.app !== 'gateway');
    expect(admin.length).toBeGreaterThan(8);
    for (const route of admin) {
      const path = route.path.replace('{model}', 'm').replace('{version}', '2').replace('{id}', 'run-1');
      for (const token of ['mallory:predict', 'mallory:ingest', 'mallory:predict,ingest,model-download']) {
        const res = await raw(route.method, path, { token, ...(route.method === 'GET' ? {} : { body: {} }) });
        expect(res.status, `${route.id} ${token} ${JSON.stringify(res.body)}`).toBe(403);
      }
    }
    expect(calls).toEqual([]);
    expect((await raw('POST', '/v2/repository/models/m/unload', { token: 'ada:admin' })).status).toBe(200);
    expect(calls.map((c) => [c.appId, c.httpMethod, c.method])).toEqual([
      ['inference', 'POST', 'v2/repository/models/m/unload'],
    ]);
  });

  it('when a route is not in the table, or nothing under /v1.0, then 404; a known path with another method is 405; /metrics with a client token is 401', async () => {
    for (const path of [
      '/v1.0/metadata',
      '/v1.0/secrets/secretstore/jwt-verification-keys',
      '/v2/models/m/infer/extra',
      '/dapr/subscribe',
    ]) {
      expect((await raw('GET', path, { token: 'ada:admin' })).status, path).toBe(404);
    }
    // The gateway's metrics take its own app token (Prometheus), never a client's token.
    expect((await raw('GET', '/metrics', { token: 'ada:admin' })).status).toBe(401);
    const wrong = await raw('DELETE', '/v2/models/m/policy', { token: 'ada:admin' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET, PUT');
    expect(calls).toEqual([]);
  });

  it('when a query has an unknown or repeated parameter, then 400; a valid one is rebuilt into the forwarded path', async () => {
    expect((await raw('GET', '/v1/monitor/pipeline?entities=3,7&x=1', { token: 'ann:predict' })).status).toBe(400);
    expect((await raw('GET', '/v1/monitor/pipeline?entities=3&entities=4', { token: 'ann:predict' })).status).toBe(400);
    expect((await raw('GET', '/v1/monitor/pipeline?entities=../x', { token: 'ann:predict' })).status).toBe(400);
    expect((await raw('GET', '/v1/monitor/pipeline?entities=3,7', { token: 'ann:predict' })).status).toBe(200);
    expect(calls.map((c) => c.method)).toEqual(['v1/monitor/pipeline?entities=3%2C7']);
  });

  it('when an admin lists training runs, then the limit is checked at the edge and rebuilt into the forwarded path', async () => {
    expect((await raw('GET', '/v1/training/runs?limit=0', { token: 'ada:admin' })).status).toBe(400);
    expect((await raw('GET', '/v1/training/runs?limit=201', { token: 'ada:admin' })).status).toBe(400);
    expect((await raw('GET', '/v1/training/runs?limit=20&x=1', { token: 'ada:admin' })).status).toBe(400);
    expect((await raw('GET', '/v1/training/runs?limit=20', { token: 'ann:predict' })).status).toBe(403);
    expect(calls).toEqual([]);
    expect((await raw('GET', '/v1/training/runs?limit=20', { token: 'ada:admin' })).status).toBe(200);
    expect(calls.map((c) => [c.appId, c.httpMethod, c.method])).toEqual([
      ['training', 'GET', 'v1/training/runs?limit=20'],
    ]);
  });

  it('when a path parameter is not a valid name, then 400 naming it', async () => {
    const res = await raw('GET', '/v2/models/m;x=1', { token: 'ann:predict' });
    expect(res.status).toBe(400);
    const bad = await raw('GET', '/v2/models/-m', { token: 'ann:predict' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('path.model');
  });

  it('when an inference body is invalid, then 400 at the edge; when valid, it is forwarded with the verified subject', async () => {
    const bad = await raw('POST', '/v2/models/m/infer', { token: 'ann:predict', body: { inputs: 'nope' } });
    expect(bad.status).toBe(400);
    expect(calls).toEqual([]);
    expect((await raw('POST', '/v2/models/m/infer', { token: 'ann:predict', body: infer })).status).toBe(200);
    expect(calls[0]!.headers).toEqual({ 'x-meridian-subject': 'ann', 'x-meridian-roles': 'predict' });
  });

  it('when the upstream fails with its own details, then the caller gets a generic problem with the status class, never the text', async () => {
    answer = {
      status: 500,
      body: { detail: 'get state failed (500): sqlite /root/.meridian/state.db: database is locked' },
    };
    const res = await raw('GET', '/v1/monitor/predictions', { token: 'ann:predict' });
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toMatch(/sqlite|state\.db|locked/);
    answer = {
      status: 403,
      body: {
        errorCode: 'ERR_DIRECT_INVOKE',
        message: 'access control policy has denied access to id: spiffe://public/ns/default/gateway',
      },
    };
    const denied = await raw('GET', '/v1/monitor/predictions', { token: 'ann:predict' });
    expect(denied.status).toBe(502);
    expect(JSON.stringify(denied.body)).not.toMatch(/spiffe|access control/);
  });

  it('when a subject passes its rate limit, then 429 with Retry-After and RateLimit headers, other subjects unaffected', async () => {
    const send = (token: string) => raw('POST', '/v2/models/m/infer', { token, body: infer });
    for (let i = 0; i < 5; i++) expect((await send('flood:predict')).status).toBe(200);
    const limited = await send('flood:predict');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['ratelimit-remaining']).toBe('0');
    expect((await send('calm:predict')).status).toBe(200);
  });

  it("when an admin acts, then the audit log has the action under the token's subject, not a subject in the body", async () => {
    await raw('POST', '/v1/registry/models/m/versions/2/stage', {
      token: 'ada:admin',
      body: { stage: 'production', reason: 'better F1', subject: 'someone-else' },
    });
    const listed = await raw('GET', '/v1/audit?action=registry.stage', { token: 'ada:admin' });
    expect(listed.status).toBe(200);
    expect(listed.body.entries[0]).toMatchObject({
      subject: 'ada',
      action: 'registry.stage',
      path: '/v1/registry/models/m/versions/2/stage',
      target: 'registry',
    });
    expect((await raw('GET', '/v1/audit', { token: 'ann:predict' })).status).toBe(403);
  });
});
