import { parseArgs } from 'node:util';
import { DEFAULT_TOKEN_MAX_TTL_SECONDS, Role } from '@meridian/contracts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CONTROL_PLANE_TRUST_DOMAIN,
  identityToken,
  repoPath,
  rotateDevSigningKey,
  signDevToken,
} from '@meridian/platform';

/**
 * Prints a dev JWT the gateway accepts, signed with the current key in the local secret store.
 * `--rotate-key [--overlap 24h]` makes a new current key instead; the previous one keeps
 * verifying for the overlap (default: the longest token lifetime, TOKEN_MAX_TTL_SECONDS).
 */
const { values } = parseArgs({
  options: {
    role: { type: 'string', multiple: true, default: ['predict'] },
    sub: { type: 'string', default: 'dev' },
    ttl: { type: 'string' },
    'rotate-key': { type: 'boolean', default: false },
    overlap: { type: 'string' },
    sidecar: { type: 'string' },
  },
});

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

const maxTtlText = process.env.TOKEN_MAX_TTL_SECONDS;
const maxTtlSeconds =
  maxTtlText === undefined || maxTtlText === '' ? DEFAULT_TOKEN_MAX_TTL_SECONDS : Number(maxTtlText);
if (!Number.isSafeInteger(maxTtlSeconds) || maxTtlSeconds <= 0)
  fail(`TOKEN_MAX_TTL_SECONDS must be a whole number of seconds above 0, not "${maxTtlText}"`);
const dataDir = process.env.MERIDIAN_HOME ?? repoPath('.meridian');

if (values.sidecar !== undefined) {
  // The identity token a daprd outside the launcher (another team's app) shows sentry to be certified as this app id.
  if (!/^[a-z][a-z0-9-]{0,63}$/.test(values.sidecar))
    fail(`--sidecar takes an app id (lowercase letters, digits, "-"), not "${values.sidecar}"`);
  let key: string;
  try {
    key = readFileSync(join(dataDir, 'ca', 'identity-key.pem'), 'utf8');
  } catch {
    fail(`no identity key in ${join(dataDir, 'ca')}: start the platform once (npm start) to create it`);
  }
  process.stdout.write(
    `${identityToken({ key, appId: values.sidecar, controlPlaneTrustDomain: CONTROL_PLANE_TRUST_DOMAIN })}\n`,
  );
  process.exit(0);
}
if (values['rotate-key']) {
  try {
    const { kid, retiring } = rotateDevSigningKey({ dataDir, overlap: values.overlap ?? maxTtlSeconds });
    process.stdout.write(`new signing key ${kid}\n`);
    for (const key of retiring) process.stdout.write(`key ${key.kid} verifies until ${key.retire_at}\n`);
    process.stdout.write('a running gateway picks the new key set up within AUTH_KEYS_REFRESH_SECONDS\n');
  } catch (err) {
    fail((err as Error).message);
  }
  process.exit(0);
}
if (values.overlap !== undefined) fail('--overlap goes with --rotate-key');

const roles = Role.array().safeParse(
  values.role
    .flatMap((r) => r.split(','))
    .map((r) => r.trim())
    .filter(Boolean),
);
if (!roles.success) fail(`unknown role in "${values.role.join(',')}"; roles are ${Role.options.join(', ')}`);
try {
  process.stdout.write(
    `${await signDevToken({ dataDir, roles: roles.data, sub: values.sub, maxTtlSeconds, ...(values.ttl !== undefined ? { ttl: values.ttl } : {}) })}\n`,
  );
} catch (err) {
  fail((err as Error).message);
}
