import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { alertRulesYaml } from './alert-rules.ts';
import { prometheusConfig, type ScrapeTarget } from './prometheus-config.ts';
import { promtool } from './promtool.ts';

const dir = mkdtempSync(join(tmpdir(), 'prometheus-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tokenFile = (instance: string) => join(dir, `${instance}.token`);
const targets: ScrapeTarget[] = [
  {
    job: 'apps',
    app: 'gateway',
    instance: 'gateway',
    url: 'http://127.0.0.1:8080/metrics',
    bearerTokenFile: tokenFile('gateway'),
  },
  { job: 'daprd', app: 'gateway', instance: 'gateway', url: 'http://127.0.0.1:41001/metrics' },
  {
    job: 'apps',
    app: 'agents',
    instance: 'agents-2',
    url: 'http://127.0.0.1:41100/metrics',
    bearerTokenFile: tokenFile('agents-2'),
  },
  { job: 'daprd', app: 'agents', instance: 'agents-2', url: 'http://127.0.0.1:41104/metrics' },
];

interface Job {
  job_name: string;
  metrics_path: string;
  authorization?: { type: string; credentials_file: string };
  static_configs: { targets: string[]; labels: Record<string, string> }[];
}

describe('prometheusConfig', () => {
  const config = parse(prometheusConfig({ targets, scrapeIntervalSeconds: 2, ruleFiles: ['/rules.yaml'] }));
  const jobs = config.scrape_configs as Job[];
  const job = (name: string) => jobs.find((j) => j.job_name === name)!;

  it('when an app requires its token, then it has a job of its own sending that file as a bearer token, still labelled job="apps"', () => {
    expect(jobs.map((j) => j.job_name).sort()).toEqual(['apps-agents-2', 'apps-gateway', 'daprd']);
    expect(job('apps-gateway').authorization).toEqual({ type: 'Bearer', credentials_file: tokenFile('gateway') });
    expect(job('apps-gateway').static_configs).toEqual([
      { targets: ['127.0.0.1:8080'], labels: { job: 'apps', app: 'gateway', instance: 'gateway' } },
    ]);
  });

  it('when sidecars are scraped, then they share one unauthenticated job, each target labelled with its app and instance', () => {
    expect(job('daprd').authorization).toBeUndefined();
    expect(job('daprd').metrics_path).toBe('/metrics');
    expect(job('daprd').static_configs).toEqual([
      { targets: ['127.0.0.1:41001'], labels: { app: 'gateway', instance: 'gateway' } },
      { targets: ['127.0.0.1:41104'], labels: { app: 'agents', instance: 'agents-2' } },
    ]);
  });

  it('when an interval is given, then scrapes and rule evaluation run at it, and the rule files are loaded', () => {
    expect(config.global).toEqual({ scrape_interval: '2s', scrape_timeout: '2s', evaluation_interval: '2s' });
    expect(config.rule_files).toEqual(['/rules.yaml']);
  });

  it('when two targets of one job share an instance name, then the config is refused', () => {
    expect(() =>
      prometheusConfig({ targets: [targets[1]!, { ...targets[1]!, url: 'http://127.0.0.1:1/metrics' }] }),
    ).toThrow(/two daprd targets are named gateway/);
  });

  it('when promtool checks the config with the alert rules and token files, then it is valid', async () => {
    for (const t of targets) if (t.bearerTokenFile) writeFileSync(t.bearerTokenFile, 'token', { mode: 0o600 });
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, alertRulesYaml());
    const file = join(dir, 'prometheus.yml');
    writeFileSync(file, prometheusConfig({ targets, scrapeIntervalSeconds: 2, ruleFiles: [rules] }));
    expect(await promtool(['check', 'config', file])).toContain('SUCCESS');
  });
});
