import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { daprdShim, runtimeEnv } from './dapr-run-shim.ts';

// A stand-in for daprd that prints what it was started with.
const ECHO_DAPRD = `#!/usr/bin/env bash
printf '%s\\n' "$@"
echo "token=$DAPR_SENTRY_TOKEN_FILE"
echo "anchors=$DAPR_TRUST_ANCHORS"
echo "broker=$MERIDIAN_EMBEDDED_BROKER_URL"
`;

function setUp(o: { withEnv: boolean }) {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-shim-'));
  const identityDir = join(dir, 'identity');
  mkdirSync(identityDir);
  writeFileSync(join(identityDir, 'gateway.jwt'), 'a.b.c');
  writeFileSync(join(dir, 'ca.crt'), "PEM with a ' quote");
  writeFileSync(join(dir, 'daprd'), ECHO_DAPRD);
  chmodSync(join(dir, 'daprd'), 0o755);
  const envFile = join(dir, 'control-plane.env');
  if (o.withEnv)
    writeFileSync(
      envFile,
      runtimeEnv({
        pid: 42,
        daprd: join(dir, 'daprd'),
        sentry: '127.0.0.1:1001',
        placement: '127.0.0.1:1002',
        scheduler: '127.0.0.1:1003',
        trustDomain: 'localhost',
        trustAnchorsFile: join(dir, 'ca.crt'),
        brokerUrl: 'tcp://127.0.0.1:1004',
      }),
    );
  writeFileSync(join(dir, 'shim'), daprdShim({ envFile, identityDir }));
  chmodSync(join(dir, 'shim'), 0o755);
  const run = (...args: string[]) => spawnSync(join(dir, 'shim'), args, { encoding: 'utf8' });
  return { dir, run };
}

describe('the daprd shim of dapr run -f .', () => {
  it("when the CLI starts daprd, then the control plane's addresses come after the CLI's own, with the app's identity and the anchors", () => {
    const { dir, run } = setUp({ withEnv: true });
    const out = run(
      '--app-id',
      'gateway',
      '--sentry-address',
      'localhost:50001',
      '--placement-host-address',
      'localhost:50005',
    );
    expect(out.status).toBe(0);
    const lines = out.stdout.trim().split('\n');
    // daprd takes the last value of a repeated flag.
    expect(lines.lastIndexOf('--sentry-address')).toBeGreaterThan(lines.indexOf('localhost:50001'));
    expect(lines[lines.lastIndexOf('--sentry-address') + 1]).toBe('127.0.0.1:1001');
    expect(lines[lines.lastIndexOf('--placement-host-address') + 1]).toBe('127.0.0.1:1002');
    expect(lines[lines.indexOf('--scheduler-host-address') + 1]).toBe('127.0.0.1:1003');
    expect(lines[lines.indexOf('--control-plane-trust-domain') + 1]).toBe('localhost');
    expect(lines).toContain(`token=${join(dir, 'identity', 'gateway.jwt')}`);
    expect(lines).toContain("anchors=PEM with a ' quote");
    expect(lines).toContain('broker=tcp://127.0.0.1:1004');
  });

  it('when the control plane is not running, then the shim refuses and says how to start it', () => {
    const out = setUp({ withEnv: false }).run('--app-id', 'gateway');
    expect(out.status).toBe(1);
    expect(out.stderr).toContain("run 'npm run prepare-run' first");
  });

  it('when the app id has no identity token, then the shim refuses rather than start an uncertifiable daprd', () => {
    const out = setUp({ withEnv: true }).run('--app-id=intruder');
    expect(out.status).toBe(1);
    expect(out.stderr).toContain("no identity for app id 'intruder'");
  });
});
