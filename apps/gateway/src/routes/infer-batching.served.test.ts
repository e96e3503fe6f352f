import { afterAll, describe, expect, it } from 'vitest';
import { INFER_BATCH_PATH, InferBatchItem, InferBatchRequest } from '@meridian/contracts';
import { waitFor } from '@meridian/platform';
import { createLogger, type DaprClient, type InvokeOptions, type SidecarResponse } from '@meridian/service-kit';
import { gatewayTestEnv, invokeAnswer, serveGateway } from '../testing/serve.ts';

createLogger({ name: 'test', level: 'silent' });

/** The gateway's sidecar: each invoke waits until the test answers it. */
const calls: { o: InvokeOptions; answer(status: number, body: unknown): void }[] = [];
const sidecar = {
  async healthy() {
    return true;
  },
  invoke: (o: InvokeOptions) =>
    new Promise<SidecarResponse>((resolve) =>
      calls.push({ o, answer: (status, body) => resolve(invokeAnswer({ status, body: JSON.stringify(body) })) }),
    ),
} as unknown as DaprClient;

const served = await serveGateway({ env: gatewayTestEnv({ INFER_BATCH_IN_FLIGHT: '1' }), dapr: sidecar });
afterAll(() => served.close());

const x = '{"name":"x","shape":[1],"datatype":"FP32","data":[1]}';
const infer = (path: string, body: string) =>
  fetch(`${served.base}${path}`, {
    method: 'POST',
    headers: { authorization: 'Bearer alice:predict', 'content-type': 'application/json' },
    body,
  });
const status = async () =>
  ((await (await served.send('GET', '/readyz')).json()) as { infer_batching: Record<string, { queued: number }> })
    .infer_batching.inference;

describe('the gateway forwarding infer requests under load', () => {
  it("when infer requests arrive while a call to the model is out, then they go to inference together, each with its route's model and version, its body as sent, and its subject", async () => {
    const first = infer('/v2/models/m/infer', `{"inputs":[${x}]}`);
    await waitFor({ what: 'the first call', timeoutMs: 10_000, check: async () => calls.length === 1 });
    const pinned = infer('/v2/models/m/versions/2/infer', `{ "id": "b", "inputs": [${x}], "extra": [1, {"a": 2}] }`);
    const plain = infer('/v2/models/m/infer', `{"id":"c","inputs":[${x}]}`);
    await waitFor({ what: 'two waiting', timeoutMs: 10_000, check: async () => (await status())?.queued === 2 });
    calls[0]!.answer(200, { id: 'a' });
    expect(await (await first).json()).toEqual({ id: 'a' });
    await waitFor({ what: 'the batch', timeoutMs: 10_000, check: async () => calls.length === 2 });
    const sent = calls[1]!.o;
    expect([sent.appId, sent.method, sent.httpMethod]).toEqual(['inference', INFER_BATCH_PATH, 'POST']);
    const requests = InferBatchRequest.parse(JSON.parse(sent.body as string)).requests.map((r) =>
      InferBatchItem.parse(r),
    );
    expect(requests.map((r) => [r.model, r.version, r.body, r.headers])).toEqual([
      [
        'm',
        '2',
        { id: 'b', inputs: [JSON.parse(x)], extra: [1, { a: 2 }] },
        { 'x-meridian-subject': 'alice', 'x-meridian-roles': 'predict' },
      ],
      [
        'm',
        undefined,
        { id: 'c', inputs: [JSON.parse(x)] },
        { 'x-meridian-subject': 'alice', 'x-meridian-roles': 'predict' },
      ],
    ]);
    calls[1]!.answer(200, {
      responses: [
        { status: 200, body: { id: 'b', model_version: '2' } },
        { status: 429, headers: { 'retry-after': '1' }, body: { code: 'TOO_MANY_REQUESTS', status: 429 } },
      ],
    });
    const [b, c] = await Promise.all([pinned, plain]);
    expect([b.status, b.headers.get('content-type'), await b.json()]).toEqual([
      200,
      'application/json; charset=utf-8',
      { id: 'b', model_version: '2' },
    ]);
    expect([c.status, c.headers.get('content-type'), c.headers.get('retry-after')]).toEqual([
      429,
      'application/problem+json; charset=utf-8',
      '1',
    ]);
    expect(await status()).toMatchObject({ single: 1, batches: 1, batched: 2, queued: 0, models: 0 });
  });
});
