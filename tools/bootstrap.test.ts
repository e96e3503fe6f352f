import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@meridian/platform';
import { describe, expect, it } from 'vitest';

// A stand-in for npm that records each install and holds it until the test releases it.
const FAKE_NPM = `#!/bin/sh
echo "$*" >> "$FAKE_DIR/calls"
touch "$FAKE_DIR/started"
while [ ! -f "$FAKE_DIR/release" ]; do sleep 0.05; done
mkdir -p node_modules
`;

function run(
  root: string,
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; stderr: () => string; exit: Promise<number> } {
  let stderr = '';
  const child = spawn(process.execPath, [join(root, 'tools/bootstrap.mjs'), 'no-such-command'], { cwd: root, env });
  child.stderr!.on('data', (d) => (stderr += d));
  const exit = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return { child, stderr: () => stderr, exit };
}

describe('bootstrap: npm dependencies', () => {
  it('when a second command starts while the first is installing, then it waits and the install runs once', async () => {
    const root = mkdtempSync(join(tmpdir(), 'meridian-bootstrap-'));
    const fake = join(root, 'fake');
    mkdirSync(join(root, 'tools'));
    mkdirSync(fake);
    for (const file of ['bootstrap.mjs', 'build-console.mjs'])
      copyFileSync(new URL(`./${file}`, import.meta.url), join(root, 'tools', file));
    writeFileSync(join(root, 'package-lock.json'), '{"lockfileVersion":3}');
    writeFileSync(join(fake, 'npm'), FAKE_NPM);
    chmodSync(join(fake, 'npm'), 0o755);
    const env = { ...process.env, PATH: `${fake}:${process.env.PATH}`, FAKE_DIR: fake };

    const first = run(root, env);
    await waitFor({
      what: 'the first install',
      check: async () => existsSync(join(fake, 'started')),
      timeoutMs: 20_000,
    });
    const second = run(root, env);
    await waitFor({
      what: 'the second to wait',
      check: async () => second.stderr().includes('waiting for it'),
      timeoutMs: 20_000,
    });
    writeFileSync(join(fake, 'release'), '');

    // Both get past the install to the command itself (unknown here: exit 2).
    expect(await first.exit).toBe(2);
    expect(await second.exit).toBe(2);
    expect(second.stderr()).toContain('unknown command');
    expect(readFileSync(join(fake, 'calls'), 'utf8').trim().split('\n')).toEqual([
      'ci --no-audit --no-fund --loglevel=error',
    ]);
  });
});
