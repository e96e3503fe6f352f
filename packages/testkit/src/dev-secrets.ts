import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { JWT_SECRET_NAME } from '@meridian/contracts';

/**
 * The local-file secret store's file (<dataDir>/secrets.json), created on
 * first run with a random JWT signing key. It lives in the data dir, which
 * git ignores, and is readable by its owner only.
 */
export function ensureDevSecrets(dataDir: string): Record<string, string> {
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  mkdirSync(dirname(file), { recursive: true });
  const secrets = { [JWT_SECRET_NAME]: randomBytes(32).toString('base64url') };
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  renameSync(tmp, file);
  return secrets;
}
