import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, type DaprClient, type InvokeOptions, type SidecarResponse } from '@meridian/service-kit';
import { Shedding } from './domain/shedding.ts';
import { gatewayTestEnv, invokeAnswer, serveGateway } from './testing/serve.ts';

createLogger({ name: 'test', level: 'silent' });
// Fixed limits (min = max), so the counts below do not move with latency samples.
const env = gatewayTestEnv({ SHED_LIMITS: 'infer=2,read=4,ingest=4,admin=4' });

/** A slow upstream: infer calls are held until the test releases them; everything else answers at once. */
let holdInfer = true;
const held: (() => void)[] = [];
const arrivals: { count: number; reached(): void }[] = [];
const heldReach = (count: number) =>
  new Promise<void>((reached) => (held.length >= count ? reached() : arrivals.push({ count, reached })));
const ok = (): SidecarResponse => invokeAnswer({ status: 200, body: '{"ok":true}' });
const sidecar = {
  async healthy() {
    return true;
  },
  invoke(o: InvokeOptions): Promise<SidecarResponse> {
    if (!holdInfer || !o.method.endsWith('/infer')) return Promise.resolve(ok());
    return new Promise((resolve) => {
      held.push(() => resolve(ok()));
      for (const a of arrivals.splice(0)) held.length >= a.count ? a.reached() : arrivals.push(a);
    });
  },
} as unknown as DaprClient;
const releaseHeld = () => held.splice(0).forEach((release) => release());

const shedding = new Shedding({ env });
const served = await serveGateway({ env, dapr: sidecar, shedding });
afterAll(() => served.close());
beforeEach(() => {
  holdInfer = true;
});

const body = JSON.stringify({ inputs: [{ name: 'humidity', shape: [1], datatype: 'FP32', data: [45] }] });
const infer = (token = 'alice:predict') =>
  fetch(`${served.base}/v2/models/m/infer`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  });
const read = () => fetch(`${served.base}/v2/models/m`, { headers: { authorization: 'Bearer alice:predict' } });
const classOf = (name: string) => shedding.snapshot().find((s) => s.name === name)!;

describe('load shedding at the edge', () => {
  it('when infer is at its limit, then the next infer is shed with 429 and Retry-After while reads and health pass; once the slow ones finish, infer is admitted again', async () => {
    const slow = [infer(), infer()];
    await heldReach(2);
    const shed = await infer();
    expect(shed.status).toBe(429);
    expect(shed.headers.get('retry-after')).toBe('1');
    expect(shed.headers.get('content-type')).toContain('application/problem+json');
    expect(await shed.json()).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      detail: expect.stringContaining('concurrent infer requests'),
    });
    expect((await read()).status).toBe(200);
    expect((await fetch(`${served.base}/healthz`)).status).toBe(200);
    expect(classOf('infer')).toMatchObject({ limit: 2, inflight: 2, shed: 1 });

    releaseHeld();
    expect((await Promise.all(slow)).map((r) => r.status)).toEqual([200, 200]);
    holdInfer = false;
    expect((await infer()).status).toBe(200);
    expect(classOf('infer')).toMatchObject({ inflight: 0, shed: 1 });
  });

  it('when a flood of infer is shed, then every request of the flood is answered and reads keep passing alongside', async () => {
    const slow = [infer(), infer()];
    await heldReach(2);
    const before = classOf('infer').shed;
    const flood = await Promise.all(Array.from({ length: 10 }, () => infer()));
    const reads = await Promise.all(Array.from({ length: 4 }, () => read()));
    expect(flood.map((r) => r.status)).toEqual(Array(10).fill(429));
    expect(reads.map((r) => r.status)).toEqual(Array(4).fill(200));
    expect(classOf('infer').shed - before).toBe(10);
    expect(classOf('read')).toMatchObject({ inflight: 0, shed: 0 });
    releaseHeld();
    await Promise.all(slow);
  });

  it('when a request is refused by authentication, then its slot is given back at once', async () => {
    const slow = infer();
    await heldReach(1);
    expect((await infer('not a token')).status).toBe(401);
    const second = infer();
    await heldReach(2);
    expect(classOf('infer')).toMatchObject({ inflight: 2 });
    releaseHeld();
    expect((await Promise.all([slow, second])).map((r) => r.status)).toEqual([200, 200]);
  });
});
