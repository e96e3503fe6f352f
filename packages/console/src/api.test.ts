import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, api, configureApi } from './api.ts';

const json = (status: number, body: unknown, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });

afterEach(() => configureApi({ onUnauthorized: () => {} }));

describe('api', () => {
  it('when a call succeeds, then the bearer token, query and JSON body are sent and the answer parsed', async () => {
    let seen: { url: string; init: RequestInit } | undefined;
    configureApi({
      token: () => 'tok',
      fetch: async (url, init) => {
        seen = { url: String(url), init: init ?? {} };
        return json(200, { ok: true });
      },
    });
    const answer = await api('/v1/audit', { method: 'POST', body: { a: 1 }, query: { limit: '1', skip: undefined } });
    expect(answer).toEqual({ ok: true });
    expect(seen).toBeDefined();
    const { url, init } = seen!;
    expect(url).toBe('/v1/audit?limit=1');
    expect((init.headers as Record<string, string>).authorization).toBe('Bearer tok');
    expect(init.body).toBe('{"a":1}');
  });

  it('when the gateway answers problem+json, then the error message carries its title, detail and field errors', async () => {
    configureApi({
      token: () => 'tok',
      fetch: async () =>
        json(
          400,
          {
            title: 'Bad Request',
            detail: 'invalid body',
            status: 400,
            errors: [{ path: 'reason', message: 'required' }],
          },
          'application/problem+json',
        ),
    });
    const error = await api('/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).message).toBe('Bad Request: invalid body (400); reason: required');
  });

  it('when the gateway answers 401, then the session is ended through onUnauthorized', async () => {
    let ended = 0;
    configureApi({
      token: () => 'old',
      fetch: async () => json(401, { title: 'Unauthorized', status: 401 }),
      onUnauthorized: () => ended++,
    });
    await expect(api('/v1/registry/models')).rejects.toMatchObject({ status: 401 });
    expect(ended).toBe(1);
  });

  it('when the gateway cannot be reached, then the error says so with status 0', async () => {
    configureApi({
      token: () => undefined,
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    await expect(api('/x')).rejects.toMatchObject({
      status: 0,
      message: expect.stringContaining('could not be reached'),
    });
  });
});
