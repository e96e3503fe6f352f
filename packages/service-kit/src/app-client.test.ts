import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fakeSidecar, problemAnswer, sidecarAnswer, type FakeAnswer } from '@meridian/testkit';
import { AppError } from './errors.ts';
import { CALLEE_DETAIL_CAP, callApp, callAppBytes, unlessRefused } from './app-client.ts';

const answering = (answer: FakeAnswer) => fakeSidecar({ invoke: () => answer });
const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable('the call should fail'),
    (err: unknown) => err as AppError,
  );

describe('callApp', () => {
  it('when the callee answers JSON, then the body is returned, checked against the schema', async () => {
    const sidecar = answering(sidecarAnswer({ body: { n: 1, extra: true } }));
    expect(await callApp(sidecar, { appId: 'a', method: 'v1/x', schema: z.object({ n: z.number() }) })).toEqual({
      n: 1,
    });
    expect(sidecar.calls).toEqual([{ appId: 'a', method: 'v1/x' }]);
  });

  it('when a query, a body and a timeout are given, then they go on the invocation', async () => {
    const sidecar = answering(sidecarAnswer({ body: {} }));
    await callApp(sidecar, {
      appId: 'a',
      method: 'v1/x',
      query: { from: '2024-01-01', entity: undefined, n: 2 },
      timeoutMs: 50,
    });
    await callApp(sidecar, { appId: 'a', method: 'v1/y', body: { k: 1 }, httpMethod: 'PUT' });
    expect(sidecar.calls).toEqual([
      { appId: 'a', method: 'v1/x?from=2024-01-01&n=2', timeoutMs: 50 },
      { appId: 'a', method: 'v1/y', httpMethod: 'PUT', body: { k: 1 } },
    ]);
  });

  it('when the answer does not fit the schema, then 502 names the app and the field', async () => {
    const err = await failureOf(
      callApp(answering(sidecarAnswer({ body: { n: 'one' } })), {
        appId: 'registry',
        method: 'v1/x',
        schema: z.object({ n: z.number() }),
      }),
    );
    expect(err).toMatchObject({ code: 'BAD_GATEWAY', status: 502, errors: [{ path: 'n' }] });
    expect(err.message).toMatch(/registry answered with an unexpected body \(n: /);
  });

  it('when the callee answers 400 with problem+json, then BAD_REQUEST carries its detail and field errors', async () => {
    const answer = problemAnswer({
      status: 400,
      detail: 'registration is invalid',
      errors: [{ path: 'metadata.inputs', message: 'Required' }],
    });
    const err = await failureOf(
      callApp(answering(answer), {
        appId: 'registry',
        method: 'v1/registry/models/m/versions',
        body: {},
        what: 'registering m',
      }),
    );
    expect(err).toMatchObject({ code: 'BAD_REQUEST', errors: [{ path: 'metadata.inputs', message: 'Required' }] });
    expect(err.message).toBe('registering m: registry answered 400: registration is invalid');
  });

  it.each([
    [404, 'NOT_FOUND'],
    [409, 'CONFLICT'],
    [429, 'TOO_MANY_REQUESTS'],
    [503, 'UNAVAILABLE'],
    [500, 'BAD_GATEWAY'],
    [502, 'BAD_GATEWAY'],
    [504, 'BAD_GATEWAY'],
    [403, 'BAD_GATEWAY'],
  ] as const)('when the callee answers %i, then the error code is %s', async (status, code) => {
    expect(
      await failureOf(callApp(answering(problemAnswer({ status, detail: 'no' })), { appId: 'a', method: 'x' })),
    ).toMatchObject({ code });
  });

  it('when the callee asks to retry later (429, 503), then retry-after is kept', async () => {
    for (const status of [429, 503]) {
      const err = await failureOf(
        callApp(answering(problemAnswer({ status, detail: 'busy', headers: { 'retry-after': '3' } })), {
          appId: 'a',
          method: 'x',
        }),
      );
      expect(err.headers).toEqual({ 'retry-after': '3' });
    }
  });

  it("when Dapr cannot reach the app (its own 500), then UNAVAILABLE with Dapr's error code", async () => {
    const err = await failureOf(
      callApp(
        answering(
          sidecarAnswer({ status: 500, body: { errorCode: 'ERR_DIRECT_INVOKE', message: 'failed to invoke, id: a' } }),
        ),
        { appId: 'a', method: 'x' },
      ),
    );
    expect(err).toMatchObject({ code: 'UNAVAILABLE' });
    expect(err.message).toContain('ERR_DIRECT_INVOKE: failed to invoke');
  });

  it('when the sidecar itself cannot be reached, then UNAVAILABLE', async () => {
    const sidecar = { invoke: () => Promise.reject(new Error('connect ECONNREFUSED')) };
    expect(await failureOf(callApp(sidecar as never, { appId: 'a', method: 'x' }))).toMatchObject({
      code: 'UNAVAILABLE',
    });
  });

  it('when the callee fails with a page of text, then the message carries no raw body, and a long detail is cut', async () => {
    const html = await failureOf(
      callApp(answering(sidecarAnswer({ status: 500, body: '<html>stack trace...</html>' })), {
        appId: 'a',
        method: 'x',
      }),
    );
    expect(html.message).toBe('GET a/x: a answered 500');
    const long = await failureOf(
      callApp(answering(problemAnswer({ status: 500, detail: 'x'.repeat(5000) })), { appId: 'a', method: 'x' }),
    );
    expect(long.message.length).toBeLessThan(CALLEE_DETAIL_CAP + 40);
  });

  it('when the answer is bytes, then callAppBytes returns them with the headers', async () => {
    const bytes = Buffer.from([0, 1, 2, 255]);
    const got = await callAppBytes(answering(sidecarAnswer({ body: bytes, headers: { 'x-artifact-sha256': 'abc' } })), {
      appId: 'registry',
      method: 'artifact',
    });
    expect([got.body.equals(bytes), got.headers['x-artifact-sha256']]).toEqual([true, 'abc']);
  });
});

describe('unlessRefused', () => {
  it('when the callee does not know the thing, then undefined; other failures still throw', async () => {
    expect(await unlessRefused(Promise.reject(new AppError({ code: 'NOT_FOUND', message: 'no' })))).toBeUndefined();
    expect(
      await unlessRefused(Promise.reject(new AppError({ code: 'BAD_REQUEST', message: 'no' })), [
        'NOT_FOUND',
        'BAD_REQUEST',
      ]),
    ).toBeUndefined();
    await expect(
      unlessRefused(Promise.reject(new AppError({ code: 'UNAVAILABLE', message: 'down' }))),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(await unlessRefused(Promise.resolve(1))).toBe(1);
  });
});
