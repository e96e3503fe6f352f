import { describe, expect, it } from 'vitest';
import { decodeToken, hasAnyRole, isExpired, loadSession, saveSession } from './session.ts';

const b64url = (value: unknown) =>
  Buffer.from(JSON.stringify(value)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const jwt = (payload: unknown) => `${b64url({ alg: 'ES256' })}.${b64url(payload)}.c2ln`;

function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    clear: () => map.clear(),
    getItem: (k) => map.get(k) ?? null,
    key: (i) => [...map.keys()][i] ?? null,
    removeItem: (k) => void map.delete(k),
    setItem: (k, v) => void map.set(k, v),
  };
}

describe('session', () => {
  it('when a JWT carries roles, then the subject and the known roles are read from its payload', () => {
    const session = decodeToken(jwt({ sub: 'ana', roles: ['admin', 'predict', 'root'], exp: 2_000_000_000 }));
    expect(session).toMatchObject({ subject: 'ana', roles: ['admin', 'predict'], expiresAt: 2_000_000_000 });
    expect(hasAnyRole(session, ['admin'])).toBe(true);
    expect(hasAnyRole(session, ['ingest'])).toBe(false);
  });

  it('when the payload has non-ASCII text (base64url, UTF-8), then it decodes', () => {
    expect(decodeToken(jwt({ sub: 'zoë/ü?', roles: ['predict'] }))?.subject).toBe('zoë/ü?');
  });

  it('when the text is not a JWT, then there is no session', () => {
    expect(decodeToken('not-a-token')).toBeNull();
    expect(decodeToken('a.%%%.c')).toBeNull();
  });

  it('when a stored token has expired, then loading it signs out', () => {
    const storage = memoryStorage();
    const session = decodeToken(jwt({ sub: 'x', roles: ['admin'], exp: 1 }))!;
    expect(isExpired(session)).toBe(true);
    saveSession(session, storage);
    expect(loadSession(storage)).toBeNull();
    expect(storage.length).toBe(0);
  });
});
