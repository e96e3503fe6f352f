import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { INFER_BATCH_PATH, InferBatchItem, InferBatchRequest } from '@meridian/contracts';
import {
  AppError,
  contextFromTraceparent,
  createLogger,
  inTraceContext,
  sidecarResponse,
  startTelemetry,
  traceHeaders,
  type InvokeOptions,
  type SidecarResponse,
} from '@meridian/service-kit';
import { InferBatching, batchableJson, type InferCall } from './infer-batching.ts';

createLogger({ name: 'test', level: 'silent' });
startTelemetry({ serviceName: 'infer-batching-test' });

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  sidecarResponse({
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(JSON.stringify(body)),
  });

/** Inference's sidecar as the gateway calls it: every invoke is kept, and answered (or failed) when the test says. */
function sidecar() {
  const calls: { o: InvokeOptions; answer(r: SidecarResponse): void; fail(err: Error): void }[] = [];
  const dapr = {
    invoke: (o: InvokeOptions) => new Promise<SidecarResponse>((answer, fail) => calls.push({ o, answer, fail })),
  };
  return { calls, dapr };
}

const trace = (id: string) => contextFromTraceparent({ traceparent: `00-${id}-00f067aa0ba902b7-01` })!;
const call = (model: string, n: number, traceId = `${n}`.padStart(32, 'a')): InferCall => ({
  target: `v2/models/${model}/infer`,
  model,
  json: JSON.stringify({ id: `r${n}`, inputs: [] }),
  bytes: JSON.stringify({ id: `r${n}`, inputs: [] }).length,
  headers: { 'x-meridian-subject': `s${n}` },
  traced: trace(traceId),
});
const bodyOf = (o: InvokeOptions) => JSON.parse(o.body as string) as Record<string, unknown>;
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Batching with one call out (answered at once) and `waiting` more queued behind it. */
function busy(waiting: InferCall[], now = () => 0) {
  const car = sidecar();
  const batching = new InferBatching({ dapr: car.dapr, appId: 'inference', maxInFlight: 1, now });
  const first = batching.call(call('m', 0));
  const rest = waiting.map((c) => batching.call(c));
  car.calls[0]!.answer(json(200, { outputs: [] }));
  return { car, first, rest, batching };
}

describe('infer requests to inference under load', () => {
  it('when calls wait, then they leave in one POST /v1/infer-batch with each model, version, headers, body and trace context', async () => {
    const versioned = { ...call('m', 2), version: '3' };
    const { car, first } = busy([call('m', 1), versioned]);
    await first;
    expect(car.calls[0]!.o).toMatchObject({ method: 'v2/models/m/infer', httpMethod: 'POST' });
    expect(bodyOf(car.calls[0]!.o)).toEqual({ id: 'r0', inputs: [] });
    const sent = car.calls[1]!.o;
    expect(sent).toMatchObject({ appId: 'inference', method: INFER_BATCH_PATH, httpMethod: 'POST' });
    expect(InferBatchRequest.parse(bodyOf(sent)).requests.map((r) => InferBatchItem.parse(r))).toEqual([
      {
        model: 'm',
        headers: { 'x-meridian-subject': 's1' },
        body: { id: 'r1', inputs: [] },
        traceparent: `00-${'1'.padStart(32, 'a')}-00f067aa0ba902b7-01`,
      },
      {
        model: 'm',
        version: '3',
        headers: { 'x-meridian-subject': 's2' },
        body: { id: 'r2', inputs: [] },
        traceparent: `00-${'2'.padStart(32, 'a')}-00f067aa0ba902b7-01`,
      },
    ]);
  });

  it("when another model's calls are out, then a model's call still goes alone: each model has its own slots", () => {
    const car = sidecar();
    const batching = new InferBatching({ dapr: car.dapr, appId: 'inference', maxInFlight: 1 });
    void batching.call(call('slow', 0));
    void batching.call(call('fast', 1));
    expect(car.calls.map((c) => c.o.method)).toEqual(['v2/models/slow/infer', 'v2/models/fast/infer']);
  });

  it('when the batch is answered, then each call gets its own answer as it would alone: status, type, Retry-After and body', async () => {
    const { car, first, rest } = busy([call('m', 1), call('m', 2)]);
    await first;
    car.calls[1]!.answer(
      json(200, {
        responses: [
          { status: 200, body: { id: 'r1', outputs: [] } },
          { status: 429, headers: { 'retry-after': '1' }, body: { code: 'TOO_MANY_REQUESTS' } },
        ],
      }),
    );
    const [ok, shed] = await Promise.all(rest);
    expect([ok!.status, ok!.headers['content-type'], ok!.json()]).toEqual([
      200,
      'application/json; charset=utf-8',
      { id: 'r1', outputs: [] },
    ]);
    expect([shed!.status, shed!.headers['content-type'], shed!.headers['retry-after'], shed!.json()]).toEqual([
      429,
      'application/problem+json; charset=utf-8',
      '1',
      { code: 'TOO_MANY_REQUESTS' },
    ]);
  });

  it('when the batch call fails as a whole (503 from Dapr, 429), then each call gets that failure to relay', async () => {
    for (const failure of [json(503, { errorCode: 'ERR_DIRECT_INVOKE' }), json(429, { code: 'TOO_MANY_REQUESTS' })]) {
      const { car, first, rest } = busy([call('m', 1), call('m', 2)]);
      await first;
      car.calls[1]!.answer(failure);
      expect(await Promise.all(rest)).toEqual([failure, failure]);
    }
  });

  it('when inference refuses the batch (400, 413, 404, or 403 from Dapr), then nothing of it ran and the calls go again one by one', async () => {
    for (const refusal of [
      json(400, { code: 'BAD_REQUEST' }),
      json(413, { code: 'PAYLOAD_TOO_LARGE' }),
      json(404, { code: 'NOT_FOUND' }),
      json(403, { errorCode: 'ERR_PERMISSION_DENIED' }),
    ]) {
      const { car, first, rest } = busy([call('m', 1), call('m', 2)]);
      await first;
      car.calls[1]!.answer(refusal);
      await tick();
      expect(car.calls.slice(2).map((c) => [c.o.method, bodyOf(c.o).id, c.o.headers])).toEqual([
        ['v2/models/m/infer', 'r1', { 'x-meridian-subject': 's1' }],
        ['v2/models/m/infer', 'r2', { 'x-meridian-subject': 's2' }],
      ]);
      car.calls[2]!.answer(json(200, { id: 'r1' }));
      car.calls[3]!.answer(json(200, { id: 'r2' }));
      expect((await Promise.all(rest)).map((r) => r.json())).toEqual([{ id: 'r1' }, { id: 'r2' }]);
    }
  });

  it.each([
    ['not served (404)', json(404, { code: 'NOT_FOUND' })],
    ['not allowed by an older ACL (403 from Dapr)', json(403, { errorCode: 'ERR_PERMISSION_DENIED' })],
  ])(
    'when the batch path was %s, then for 30 s calls go alone without asking again, and then it asks again',
    async (_why, refusal) => {
      let t = 0;
      const { car, first, rest, batching } = busy([call('m', 1), call('m', 2)], () => t);
      await first;
      car.calls[1]!.answer(refusal);
      await tick();
      for (const c of car.calls.slice(2)) c.answer(json(200, {}));
      await Promise.all(rest);
      const busyAgain = async () => {
        const from = car.calls.length;
        const head = batching.call(call('m', 3));
        const waiting = [batching.call(call('m', 4)), batching.call(call('m', 5))];
        car.calls[from]!.answer(json(200, {}));
        await head;
        await tick();
        const methods = car.calls.slice(from + 1).map((c) => c.o.method);
        for (const c of car.calls.slice(from + 1)) c.answer(json(200, { responses: [{ status: 200, body: {} }] }));
        await Promise.allSettled(waiting);
        return methods;
      };
      t = 29_000;
      // All three alone, at once: none waits for a slot while batches are refused.
      expect(await busyAgain()).toEqual(['v2/models/m/infer', 'v2/models/m/infer']);
      t = 31_000;
      expect(await busyAgain()).toEqual([INFER_BATCH_PATH]);
      expect(batching.counts).toMatchObject({ refused: 1, queued: 0 });
    },
  );

  it("when a refused batch's calls go alone and one's sidecar call fails, then only that call fails", async () => {
    const { car, first, rest } = busy([call('m', 1), call('m', 2)]);
    await first;
    car.calls[1]!.answer(json(413, {}));
    await tick();
    car.calls[2]!.answer(json(200, { id: 'r1' }));
    car.calls[3]!.fail(new Error('sidecar gone'));
    expect((await rest[0]!).json()).toEqual({ id: 'r1' });
    await expect(rest[1]!).rejects.toThrow('sidecar gone');
  });

  it('when the batch comes back unreadable or short, then each call fails with 502, never with a wrong answer', async () => {
    for (const answer of [
      json(200, { responses: [{ status: 200, body: {} }] }),
      json(200, { responses: [{ status: 200, body: {} }, { status: 'ok' }] }),
      json(200, { responses: [{ status: 200 }, { status: 200, body: {} }] }),
      json(200, { something: 'else' }),
      sidecarResponse({ status: 200, headers: {}, body: Buffer.from('not json') }),
    ]) {
      const { car, first, rest } = busy([call('m', 1), call('m', 2)]);
      await first;
      car.calls[1]!.answer(answer);
      for (const r of rest) {
        const err = await r.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).status).toBe(502);
      }
    }
  });

  it('when a call goes alone after waiting, then it is sent in its own trace context, not the one that freed its slot', async () => {
    const car = sidecar();
    const seen: (string | undefined)[] = [];
    const dapr = {
      invoke: (o: InvokeOptions) => {
        seen.push(traceHeaders().traceparent?.split('-')[1]);
        return car.dapr.invoke(o);
      },
    };
    const batching = new InferBatching({ dapr, appId: 'inference', maxInFlight: 1 });
    const first = inTraceContext(trace('a'.repeat(32)), () => batching.call(call('m', 0, 'a'.repeat(32))));
    const second = batching.call(call('m', 1, 'b'.repeat(32)));
    car.calls[0]!.answer(json(200, {}));
    await first;
    car.calls[1]!.answer(json(200, {}));
    await second;
    expect(seen).toEqual(['a'.repeat(32), 'b'.repeat(32)]);
  });

  it("when a waiting call's client has gone, then it is dropped, not sent", async () => {
    let gone = false;
    const { car, first, rest } = busy([{ ...call('m', 1), gone: () => gone }, call('m', 2)]);
    gone = true;
    await first;
    await expect(rest[0]!).rejects.toThrow('the client went away');
    expect(bodyOf(car.calls[1]!.o)).toEqual({ id: 'r2', inputs: [] });
    car.calls[1]!.answer(json(200, { id: 'r2' }));
    expect((await rest[1]!).json()).toEqual({ id: 'r2' });
  });

  it('when a subject is longer than a batch carries, then its request goes alone at once, even while others wait', () => {
    const car = sidecar();
    const batching = new InferBatching({ dapr: car.dapr, appId: 'inference', maxInFlight: 1 });
    void batching.call(call('m', 0));
    void batching.call({ ...call('m', 1), headers: { 'x-meridian-subject': 'x'.repeat(2000) } });
    expect(car.calls.map((c) => bodyOf(c.o).id)).toEqual(['r0', 'r1']);
  });

  it('when waiting requests are large, then a batch closes near 1 MiB of them, and the rest wait for the next', async () => {
    const big = (n: number): InferCall => ({ ...call('m', n), bytes: 60 * 1024 });
    const { car, first, rest } = busy(Array.from({ length: 20 }, (_, i) => big(i + 1)));
    await first;
    const items = (o: InvokeOptions) => InferBatchRequest.parse(bodyOf(o)).requests.length;
    // 1 MiB holds 16 of 60 KiB with their 2 KiB of envelope each.
    expect(items(car.calls[1]!.o)).toBe(16);
    car.calls[1]!.answer(json(200, { responses: Array.from({ length: 16 }, () => ({ status: 200, body: {} })) }));
    await tick();
    expect(items(car.calls[2]!.o)).toBe(4);
    car.calls[2]!.answer(json(200, { responses: Array.from({ length: 4 }, () => ({ status: 200, body: {} })) }));
    expect(await Promise.all(rest)).toHaveLength(20);
  });

  it('when all calls of a model are answered, then its coalescer is let go and its counts are kept', async () => {
    const { car, first, rest, batching } = busy([call('m', 1), call('m', 2)]);
    await first;
    expect(batching.counts).toMatchObject({ models: 1, queued: 0 });
    car.calls[1]!.answer(
      json(200, {
        responses: [
          { status: 200, body: {} },
          { status: 200, body: {} },
        ],
      }),
    );
    await Promise.all(rest);
    expect(batching.counts).toMatchObject({ models: 0, single: 1, batches: 1, batched: 2 });
  });

  it('when a request is large (as sent, whatever its encoding), asks for binary outputs or a stream, or is not an object, then it is sent alone', () => {
    const req = (body: unknown, headers: Record<string, string> = {}) =>
      ({ body, headers: { 'content-length': '100', ...headers } }) as unknown as Request;
    expect(batchableJson(req({ inputs: [], text: 'é' }))).toEqual({ json: '{"inputs":[],"text":"é"}', bytes: 25 });
    // 100 bytes of gzip on the wire that inflate past the bound.
    expect(batchableJson(req({ inputs: [], pad: 'x'.repeat(64 * 1024) }, { 'content-encoding': 'gzip' }))).toBe(
      undefined,
    );
    expect(batchableJson(req({ inputs: [], parameters: { binary_data_output: false } }))).toBe(undefined);
    expect(batchableJson(req({ inputs: [], outputs: [{ name: 'y', parameters: { binary_data: true } }] }))).toBe(
      undefined,
    );
    expect(batchableJson(req({ inputs: [] }, { accept: 'text/event-stream' }))).toBe(undefined);
    expect(batchableJson(req([]))).toBe(undefined);
  });
});
