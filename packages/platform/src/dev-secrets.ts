import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  DEFAULT_TOKEN_MAX_TTL_SECONDS,
  JWT_SIGNING_KEYS_SECRET,
  JWT_VERIFICATION_KEYS_SECRET,
  TOKEN_ALGORITHM,
  VerificationKeySet,
} from '@meridian/contracts';

/** The HS256 secret of earlier versions; ensureDevSecrets replaces it with a key pair. */
const LEGACY_HS_SECRET = 'jwt-signing-key';

/** A dev issuer key: a private P-256 JWK, when it was made, and (once rotated out) when it goes. */
export const DevSigningKey = z.looseObject({
  kid: z.string().min(1),
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: z.string().min(1),
  y: z.string().min(1),
  d: z.string().min(1),
  alg: z.literal(TOKEN_ALGORITHM),
  created_at: z.iso.datetime(),
  retire_at: z.iso.datetime().optional(),
});
export type DevSigningKey = z.infer<typeof DevSigningKey>;
const DevSigningKeys = z.object({ keys: z.array(DevSigningKey) });

type Secrets = Record<string, string>;
type Clock = () => number;

/**
 * The local-file secret store's file (<dataDir>/secrets.json), readable by its
 * owner only and kept in the data dir, which git ignores. Creates the first
 * dev issuer key when the file or the key secrets are missing, replaces the
 * HS256 secret of earlier versions, drops keys past their retire_at, and
 * leaves every other secret in the file as it is.
 */
export function ensureDevSecrets(dataDir: string, opts: { now?: Clock } = {}): Secrets {
  const now = opts.now ?? Date.now;
  const file = secretsFile(dataDir);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    const created = withKeys({}, [newSigningKey(now())]);
    if (writeSecrets({ file, secrets: created, exclusive: true })) return created;
  }
  const secrets = readSecrets(file);
  const keys = signingKeysOf(secrets).filter((k) => !isPast(k.retire_at, now()));
  if (!keys.some((k) => !k.retire_at)) keys.unshift(newSigningKey(now()));
  const next = withKeys(secrets, keys);
  if (JSON.stringify(next) !== JSON.stringify(secrets)) writeSecrets({ file, secrets: next });
  return next;
}

/**
 * Makes a new current key. The keys in use until now retire after `overlap`
 * (default: the longest token lifetime, so every token they signed expires first);
 * keys already past their retire_at are removed from both secrets.
 */
export function rotateDevSigningKey(o: { dataDir: string; overlap?: string | number; now?: Clock }): {
  kid: string;
  retiring: { kid: string; retire_at: string }[];
} {
  const now = o.now ?? Date.now;
  const overlapMs =
    (o.overlap === undefined
      ? DEFAULT_TOKEN_MAX_TTL_SECONDS
      : durationSeconds(o.overlap, { what: 'overlap', zero: true })) * 1000;
  const secrets = ensureDevSecrets(o.dataDir, { now });
  const retireAt = new Date(now() + overlapMs).toISOString();
  const previous = signingKeysOf(secrets)
    .map((k) => (k.retire_at ? k : { ...k, retire_at: retireAt }))
    .filter((k) => !isPast(k.retire_at, now()));
  const current = newSigningKey(now());
  writeSecrets({ file: secretsFile(o.dataDir), secrets: withKeys(secrets, [current, ...previous]) });
  return { kid: current.kid, retiring: previous.map((k) => ({ kid: k.kid, retire_at: k.retire_at! })) };
}

/** The key new tokens are signed with: the newest one not being retired. */
export function currentSigningKey(secrets: Secrets): DevSigningKey {
  const current = signingKeysOf(secrets)
    .filter((k) => !k.retire_at)
    .sort((a, b) => b.created_at.localeCompare(a.created_at))[0];
  if (!current) throw new Error(`${JWT_SIGNING_KEYS_SECRET} holds no current key`);
  return current;
}

/** Seconds in a duration given as seconds or as text like 90s, 30m, 12h or 1d. */
export function durationSeconds(value: string | number, o: { what: string; zero?: boolean }): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(String(value).trim());
  const seconds = match
    ? Number(match[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd']
    : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds < (o.zero ? 0 : 1))
    throw new Error(`${o.what} "${value}" is not a duration like 90s, 30m, 12h or 1d`);
  return seconds;
}

function secretsFile(dataDir: string): string {
  return join(dataDir, 'secrets.json');
}

function readSecrets(file: string): Secrets {
  const parsed = z.record(z.string(), z.string()).safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file} must be a JSON object of secret name to string value`);
  return parsed.data;
}

function signingKeysOf(secrets: Secrets): DevSigningKey[] {
  const value = secrets[JWT_SIGNING_KEYS_SECRET];
  if (value === undefined) return [];
  const parsed = DevSigningKeys.safeParse(JSON.parse(value));
  if (!parsed.success)
    throw new Error(
      `secret ${JWT_SIGNING_KEYS_SECRET} is malformed (${parsed.error.issues[0]?.message}); delete it to start over with a new key`,
    );
  return parsed.data.keys;
}

/** The secrets with both key sets written from `keys` (newest first) and the legacy HS256 secret gone. */
function withKeys(secrets: Secrets, keys: DevSigningKey[]): Secrets {
  const { [LEGACY_HS_SECRET]: _legacy, ...rest } = secrets;
  const sorted = [...keys].sort((a, b) => b.created_at.localeCompare(a.created_at));
  const publicKeys = VerificationKeySet.parse({
    keys: sorted.map(({ kid, kty, crv, x, y }) => ({ kid, kty, crv, x, y, alg: TOKEN_ALGORITHM, use: 'sig' })),
  });
  return {
    ...rest,
    [JWT_SIGNING_KEYS_SECRET]: JSON.stringify({ keys: sorted }),
    [JWT_VERIFICATION_KEYS_SECRET]: JSON.stringify(publicKeys),
  };
}

function newSigningKey(nowMs: number): DevSigningKey {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const { crv, x, y, d } = jwk as { crv: 'P-256'; x: string; y: string; d: string };
  // RFC 7638 thumbprint: the same key always gets the same id.
  const kid = createHash('sha256')
    .update(JSON.stringify({ crv, kty: 'EC', x, y }))
    .digest('base64url');
  return { kid, kty: 'EC', crv, x, y, d, alg: TOKEN_ALGORITHM, created_at: new Date(nowMs).toISOString() };
}

function isPast(iso: string | undefined, nowMs: number): boolean {
  return iso !== undefined && Date.parse(iso) <= nowMs;
}

/** Writes 0600 through a temporary file; `exclusive` creates only if no one else did first (then answers false). */
function writeSecrets(o: { file: string; secrets: Secrets; exclusive?: boolean }): boolean {
  const tmp = `${o.file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, JSON.stringify(o.secrets, null, 2), { mode: 0o600 });
  if (!o.exclusive) {
    renameSync(tmp, o.file);
    return true;
  }
  try {
    linkSync(tmp, o.file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}
