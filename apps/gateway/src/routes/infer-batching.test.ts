import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { INFER_BATCH_PATH, InferBatchRequest } from '@meridian/contracts';
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
import { batchable, inferBatching, type InferCall } from './infer-batching.ts';

createLogger({ name: 'test', level: 'silent' });
startTelemetry({ serviceName: 'infer-batching-test' });

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  sidecarResponse({
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(JSON.stringify(body)),
  });

/** Inference's sidecar as the gateway calls it: every invoke is kept, and answered when the test says. */
function sidecar() {
  const calls: { o: InvokeOptions; answer(r: SidecarResponse): void }[] = [];
  const dapr = {
    invoke: (o: InvokeOptions) => new Promise<SidecarResponse>((answer) => calls.push({ o, answer })),
  };
  return { calls, dapr };
}

const trace = (id: string) => contextFromTraceparent({ traceparent: `00-${id}-00f067aa0ba902b7-01` })!;
const call = (model: string, n: number, traceId = `${n}`.padStart(32, 'a')): InferCall => ({
  target: `v2/models/${model}/infer`,
  model,
  body: { id: `r${n}`, inputs: [] },
  headers: { 'x-meridian-subject': 's' },
  traced: trace(traceId),
});

/** The coalescer with one call out (held) and `waiting` more queued behind it. */
function busy(waiting: InferCall[]) {
  const car = sidecar();
  const batching = inferBatching({ dapr: car.dapr, appId: 'inference', maxInFlight: 1 });
  const first = batching.call(call('m', 0));
  const rest = waiting.map((c) => batching.call(c));
  car.calls[0]!.answer(json(200, { outputs: [] }));
  return { car, first, rest };
}

describe('infer requests to inference under load', () => {
  it('when calls wait, then they leave in one POST /v1/infer-batch with each model, version, body and trace context', async () => {
    const versioned = { ...call('m', 2), version: '3' };
    const { car, first } = busy([call('m', 1), versioned]);
    await first;
    expect(car.calls[0]!.o).toMatchObject({ method: 'v2/models/m/infer', httpMethod: 'POST', body: { id: 'r0' } });
    const sent = car.calls[1]!.o;
    expect(sent).toMatchObject({ appId: 'inference', method: INFER_BATCH_PATH, httpMethod: 'POST' });
    expect(InferBatchRequest.parse(sent.body).requests).toEqual([
      { model: 'm', body: { id: 'r1', inputs: [] }, traceparent: `00-${'1'.padStart(32, 'a')}-00f067aa0ba902b7-01` },
      {
        model: 'm',
        version: '3',
        body: { id: 'r2', inputs: [] },
        traceparent: `00-${'2'.padStart(32, 'a')}-00f067aa0ba902b7-01`,
      },
    ]);
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

  it('when the batch call fails as a whole (503), then each call gets that failure to relay', async () => {
    const { car, first, rest } = busy([call('m', 1), call('m', 2)]);
    await first;
    const down = json(503, { errorCode: 'ERR_DIRECT_INVOKE' });
    car.calls[1]!.answer(down);
    expect(await Promise.all(rest)).toEqual([down, down]);
  });

  it('when inference answers the batch path 404 itself (an older inference), then the calls go one by one, each in its own trace', async () => {
    const { car, first, rest } = busy([call('m', 1), call('m', 2)]);
    await first;
    car.calls[1]!.answer(json(404, { code: 'NOT_FOUND' }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(car.calls.slice(2).map((c) => [c.o.method, (c.o.body as { id: string }).id])).toEqual([
      ['v2/models/m/infer', 'r1'],
      ['v2/models/m/infer', 'r2'],
    ]);
    car.calls[2]!.answer(json(200, { id: 'r1' }));
    car.calls[3]!.answer(json(200, { id: 'r2' }));
    expect((await Promise.all(rest)).map((r) => r.json())).toEqual([{ id: 'r1' }, { id: 'r2' }]);
  });

  it('when the batch comes back unreadable or short, then each call fails with 502, never with a wrong answer', async () => {
    for (const answer of [
      json(200, { responses: [{ status: 200, body: {} }] }),
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
    const batching = inferBatching({ dapr, appId: 'inference', maxInFlight: 1 });
    const first = inTraceContext(trace('a'.repeat(32)), () => batching.call(call('m', 0, 'a'.repeat(32))));
    const second = batching.call(call('m', 1, 'b'.repeat(32)));
    car.calls[0]!.answer(json(200, {}));
    await first;
    car.calls[1]!.answer(json(200, {}));
    await second;
    expect(seen).toEqual(['a'.repeat(32), 'b'.repeat(32)]);
  });

  it('when a request is large, asks for binary outputs or a stream, or is not an object, then it is sent alone', () => {
    const req = (body: unknown, headers: Record<string, string> = {}) =>
      ({ body, headers: { 'content-length': '100', ...headers } }) as unknown as Request;
    expect(batchable(req({ inputs: [] }))).toBe(true);
    expect(batchable(req({ inputs: [] }, { 'content-length': String(64 * 1024 + 1) }))).toBe(false);
    expect(batchable(req({ inputs: [], parameters: { binary_data_output: false } }))).toBe(false);
    expect(batchable(req({ inputs: [], outputs: [{ name: 'y', parameters: { binary_data: true } }] }))).toBe(false);
    expect(batchable(req({ inputs: [] }, { accept: 'text/event-stream' }))).toBe(false);
    expect(batchable(req([]))).toBe(false);
    expect(batchable(req({ inputs: [] }, { 'content-length': undefined as unknown as string }))).toBe(false);
  });
});
