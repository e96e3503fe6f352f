import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JWT_VERIFICATION_KEYS_SECRET } from '@meridian/contracts';
import { AppError, parseEnv } from '@meridian/service-kit';
import { ensureDevSecrets, signDevToken } from '@meridian/platform';
import { authEnv } from './auth-env.ts';
import { createAuthenticator, type AuthLog, type SecretsPort } from './authenticator.ts';
import { createTestIssuer, jwksOf } from './test-issuer.ts';

const T0 = Date.UTC(2026, 10, 29, 12);
const [keyA, keyB, keyC] = await Promise.all([
  createTestIssuer({ kid: 'key-a' }),
  createTestIssuer({ kid: 'key-b' }),
  createTestIssuer({ kid: 'key-c' }),
]);

/** The secret store as the sidecar shows it: one value that tests change, and failures on demand. */
function fakeSecrets(value?: string) {
  const state = { value, failuresLeft: 0, reads: 0 };
  const port: SecretsPort = {
    async get(name) {
      state.reads += 1;
      if (state.failuresLeft > 0) {
        state.failuresLeft -= 1;
        throw new Error('connect ECONNREFUSED (sidecar starting)');
      }
      return name === JWT_VERIFICATION_KEYS_SECRET ? state.value : undefined;
    },
  };
  return { state, port };
}

const quietLog = (): AuthLog & { warnings: string[] } => {
  const warnings: string[] = [];
  return { warnings, info: () => undefined, warn: (_obj, msg) => void warnings.push(msg) };
};

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('createAuthenticator with the secret store', () => {
  let now = T0;
  const bearer = async (issuer: typeof keyA, ttl = 3600) => `Bearer ${await issuer.sign({ now, ttl })}`;
  const start = (secrets: ReturnType<typeof fakeSecrets>, log = quietLog()) => {
    const auth = createAuthenticator({ env: parseEnv(authEnv, {}), secrets: secrets.port, now: () => now, log });
    auth.start();
    return auth;
  };

  beforeEach(() => {
    now = T0;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => vi.useRealTimers());

  it('when no key set is loaded yet, then it is not ready and a token gets 503, while no token still gets 401', async () => {
    const secrets = fakeSecrets();
    secrets.state.failuresLeft = Number.POSITIVE_INFINITY;
    const auth = start(secrets);
    await vi.advanceTimersByTimeAsync(1000);
    expect(auth.ready).toBe(false);
    const err = await refusal(auth.verify(await bearer(keyA)));
    expect([err.code, err.headers]).toEqual(['UNAVAILABLE', { 'retry-after': '1' }]);
    expect((await refusal(auth.verify(undefined))).code).toBe('UNAUTHENTICATED');
    expect((await refusal(auth.verify('Basic abc'))).message).toMatch(/missing bearer token/);
    auth.stop();
  });

  it('when the sidecar is still starting, then loading is retried, warning on the 1st and 21st failure, until ready', async () => {
    const secrets = fakeSecrets(jwksOf(keyA));
    secrets.state.failuresLeft = 25;
    const log = quietLog();
    const auth = start(secrets, log);
    await vi.advanceTimersByTimeAsync(25 * 250);
    expect(auth.ready).toBe(true);
    expect(log.warnings).toEqual([
      'waiting for the token verification keys',
      'waiting for the token verification keys',
    ]);
    expect((await auth.verify(await bearer(keyA))).subject).toBe('alice');
    auth.stop();
  });

  it('when the key set is rotated in the store, then a running authenticator picks it up without restart, and the old key works until it leaves', async () => {
    const secrets = fakeSecrets(jwksOf(keyA));
    const auth = start(secrets);
    await vi.advanceTimersByTimeAsync(0);
    const oldToken = await bearer(keyA);
    expect((await auth.verify(oldToken)).subject).toBe('alice');

    secrets.state.value = jwksOf(keyB, keyA); // rotated: key-b is current, key-a inside its overlap
    now += 30_000;
    await vi.advanceTimersByTimeAsync(30_000);
    expect((await auth.verify(await bearer(keyB))).subject).toBe('alice');
    expect((await auth.verify(oldToken)).subject).toBe('alice');

    secrets.state.value = jwksOf(keyB); // overlap over: key-a retired
    now += 30_000;
    await vi.advanceTimersByTimeAsync(30_000);
    expect((await refusal(auth.verify(oldToken))).message).toBe('token signed with an unknown key');
    expect((await auth.verify(await bearer(keyB))).subject).toBe('alice');
    auth.stop();
  });

  it('when a token names an unknown kid, then the key set is reloaded at most once per few seconds before it is refused', async () => {
    const secrets = fakeSecrets(jwksOf(keyA));
    const auth = start(secrets);
    await vi.advanceTimersByTimeAsync(0);
    secrets.state.value = jwksOf(keyC, keyA);
    const reads = secrets.state.reads;
    now += 1_000;
    const early = await bearer(keyC);
    expect((await refusal(auth.verify(early))).message).toBe('token signed with an unknown key');
    expect(secrets.state.reads).toBe(reads);

    now += 5_000;
    expect((await auth.verify(await bearer(keyC))).subject).toBe('alice');
    expect(secrets.state.reads).toBe(reads + 1);
    const forged = await createTestIssuer({ kid: 'key-forged' });
    for (let i = 0; i < 3; i++) await refusal(auth.verify(`Bearer ${await forged.sign({ now })}`));
    expect(secrets.state.reads).toBe(reads + 1);
    auth.stop();
  });

  it('when a reload fails or brings a malformed key set, then the loaded keys stay in use', async () => {
    const secrets = fakeSecrets(jwksOf(keyA));
    const log = quietLog();
    const auth = start(secrets, log);
    await vi.advanceTimersByTimeAsync(0);
    const { kty, crv, x, y } = keyA.publicJwk;
    for (const bad of [
      'not json',
      JSON.stringify({ keys: [{ kid: 'hs', kty: 'oct', k: 'c2VjcmV0' }] }),
      JSON.stringify({ keys: [{ kid: 'key-a', kty, crv, x, y, d: 'private' }] }),
    ]) {
      secrets.state.value = bad;
      await vi.advanceTimersByTimeAsync(30_000);
    }
    expect(log.warnings).toEqual(['reloading the token verification keys failed; keeping the loaded ones']);
    expect(auth.ready).toBe(true);
    expect((await auth.verify(await bearer(keyA))).subject).toBe('alice');
    auth.stop();
  });

  it('when stopped, then it no longer reloads', async () => {
    const secrets = fakeSecrets(jwksOf(keyA));
    const auth = start(secrets);
    await vi.advanceTimersByTimeAsync(0);
    auth.stop();
    const reads = secrets.state.reads;
    await vi.advanceTimersByTimeAsync(120_000);
    expect(secrets.state.reads).toBe(reads);
  });

  it('when neither a secrets port nor AUTH_JWKS_URL is given, then it is a configuration bug', () => {
    expect(() => createAuthenticator({ env: parseEnv(authEnv, {}) })).toThrow(/secrets port/);
  });
});

describe('createAuthenticator with the dev token tool', () => {
  let dataDir = '';
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'meridian-auth-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('when the dev tool signs a token, then the gateway verifies it with the public keys from secrets.json', async () => {
    ensureDevSecrets(dataDir);
    // What the local-file secret store serves: the top-level value of <dataDir>/secrets.json.
    const secrets: SecretsPort = {
      get: async (name) =>
        (JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as Record<string, string>)[name],
    };
    const auth = createAuthenticator({ env: parseEnv(authEnv, {}), secrets, log: quietLog() });
    auth.start();
    await vi.waitFor(() => expect(auth.ready).toBe(true));
    const token = await signDevToken({ dataDir, roles: ['model-download'], sub: 'carol' });
    expect(await auth.verify(`Bearer ${token}`)).toMatchObject({ subject: 'carol', roles: ['model-download'] });
    auth.stop();
  });
});
