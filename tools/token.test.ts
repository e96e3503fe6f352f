import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { repoPath } from '@meridian/platform';

let home = '';
function token(args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(repoPath('node_modules/.bin/tsx'), [repoPath('tools/token.ts'), ...args], {
    env: { ...process.env, MERIDIAN_HOME: home, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout.trim(), stderr: run.stderr.trim() };
}

describe('npm run token', () => {
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'meridian-token-cli-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('when asked for roles, then it prints an ES256 token with those roles, iat and exp', () => {
    const { status, stdout } = token([
      '--role',
      'predict,model-download',
      '--role',
      'ingest',
      '--sub',
      'erin',
      '--ttl',
      '30m',
    ]);
    expect(status).toBe(0);
    expect(decodeProtectedHeader(stdout).alg).toBe('ES256');
    const claims = decodeJwt(stdout);
    expect([claims.sub, claims.roles, claims.exp! - claims.iat!]).toEqual([
      'erin',
      ['predict', 'model-download', 'ingest'],
      1800,
    ]);
  }, 60_000);

  it('when the ttl is above the cap, then it refuses with exit 2 and names the maximum', () => {
    expect(token(['--ttl', '48h'])).toMatchObject({
      status: 2,
      stdout: '',
      stderr: expect.stringMatching(/maximum token lifetime of 86400 s/),
    });
    expect(token(['--ttl', '20m'], { TOKEN_MAX_TTL_SECONDS: '600' })).toMatchObject({
      status: 2,
      stderr: expect.stringMatching(/maximum token lifetime of 600 s/),
    });
  }, 120_000);

  it('when asked to rotate, then a new current key is made and the old one retires after the overlap', () => {
    writeFileSync(
      join(home, 'secrets.json'),
      JSON.stringify({ 'jwt-signing-key': 'old-hs-secret', 's3-bucket': 'models' }),
      { mode: 0o600 },
    );
    const first = decodeProtectedHeader(token([]).stdout).kid;
    const rotated = token(['--rotate-key', '--overlap', '1h']);
    expect(rotated.status).toBe(0);
    expect(rotated.stdout).toMatch(new RegExp(`key ${first} verifies until `));
    const secrets = JSON.parse(readFileSync(join(home, 'secrets.json'), 'utf8')) as Record<string, string>;
    expect(Object.keys(secrets).sort()).toEqual(['jwt-signing-keys', 'jwt-verification-keys', 's3-bucket']);
    expect(decodeProtectedHeader(token([]).stdout).kid).not.toBe(first);
  }, 120_000);
});
