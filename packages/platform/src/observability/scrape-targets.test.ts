import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Platform } from '../platform-handle.ts';
import type { RunningApp } from '../running-app.ts';
import { scrapeTargets } from './scrape-targets.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'scrape-targets-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const instance = (id: string, name: string, port: number) =>
  ({
    spec: { id },
    instance: name,
    appUrl: `http://127.0.0.1:${port}`,
    appToken: `token-of-${name}`,
    sidecarPorts: { metrics: port + 4 },
  }) as unknown as RunningApp;

// Only what scrapeTargets reads of a platform: its apps and their instances.
const byApp: Record<string, RunningApp[]> = {
  gateway: [instance('gateway', 'gateway', 8080)],
  agents: [instance('agents', 'agents', 41000), instance('agents', 'agents-2', 41100)],
};
const platform = {
  apps: Object.fromEntries(Object.entries(byApp).map(([id, all]) => [id, all[0]])),
  instances: (id: string) => byApp[id]!,
} as unknown as Platform;

describe('scrapeTargets', () => {
  it('when a platform runs, then every instance is scraped twice: its app with its token, and its sidecar', () => {
    const targets = scrapeTargets(platform, { dataDir });
    expect(targets.map((t) => `${t.job} ${t.instance} ${t.url}`)).toEqual([
      'apps gateway http://127.0.0.1:8080/metrics',
      'daprd gateway http://127.0.0.1:8084/metrics',
      'apps agents http://127.0.0.1:41000/metrics',
      'daprd agents http://127.0.0.1:41004/metrics',
      'apps agents-2 http://127.0.0.1:41100/metrics',
      'daprd agents-2 http://127.0.0.1:41104/metrics',
    ]);
    expect(targets.filter((t) => t.instance === 'agents-2').map((t) => t.app)).toEqual(['agents', 'agents']);
    expect(targets.filter((t) => t.job === 'daprd').every((t) => t.bearerTokenFile === undefined)).toBe(true);
  });

  it('when the tokens are written, then each is in its own file readable by its owner only, even over an older file', () => {
    const dir = join(dataDir, 'identity', 'metrics');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'gateway.token'), 'old', { mode: 0o644 });
    const targets = scrapeTargets(platform, { dataDir });
    for (const t of targets.filter((x) => x.job === 'apps')) {
      expect(t.bearerTokenFile).toBe(join(dir, `${t.instance}.token`));
      expect(readFileSync(t.bearerTokenFile!, 'utf8')).toBe(`token-of-${t.instance}`);
      expect(statSync(t.bearerTokenFile!).mode & 0o777).toBe(0o600);
    }
  });
});
