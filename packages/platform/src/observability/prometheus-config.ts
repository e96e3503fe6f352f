import { stringify } from 'yaml';

/** One endpoint Prometheus scrapes: an app's /metrics or its sidecar's. */
export interface ScrapeTarget {
  job: 'apps' | 'daprd';
  /** The app id (`inference`), on every series as label `app`. */
  app: string;
  /** The instance name (`inference`, `agents-2`), as label `instance` instead of host:port. */
  instance: string;
  /** The full metrics URL, e.g. http://127.0.0.1:41234/metrics. */
  url: string;
  /** A file holding the bearer token the endpoint requires (every Meridian app wants its app token). */
  bearerTokenFile?: string;
}

export const DEFAULT_SCRAPE_INTERVAL_SECONDS = 15;

interface ScrapeJob {
  job_name: string;
  scheme: string;
  metrics_path: string;
  authorization?: { type: 'Bearer'; credentials_file: string };
  static_configs: { targets: string[]; labels: Record<string, string> }[];
}

/**
 * Each target with a token gets a job of its own (the credentials are per job in Prometheus),
 * named `<job>-<instance>`; its `job` label is still `<job>`, so `up{job="apps"}` covers them all.
 */
function jobOf(t: ScrapeTarget): { key: string; job: Omit<ScrapeJob, 'static_configs'> } {
  const url = new URL(t.url);
  const scheme = url.protocol.replace(/:$/, '');
  const name = t.bearerTokenFile ? `${t.job}-${t.instance}` : t.job;
  return {
    key: `${name} ${scheme} ${url.pathname}`,
    job: {
      job_name: name,
      scheme,
      metrics_path: url.pathname,
      ...(t.bearerTokenFile ? { authorization: { type: 'Bearer', credentials_file: t.bearerTokenFile } } : {}),
    },
  };
}

function scrapeJobs(targets: ScrapeTarget[]): ScrapeJob[] {
  const jobs = new Map<string, ScrapeJob>();
  const names = new Set<string>();
  for (const t of targets) {
    const { key, job } = jobOf(t);
    let entry = jobs.get(key);
    if (!entry) {
      if (names.has(job.job_name))
        throw new Error(`scrape job ${job.job_name}: its targets differ in scheme or path; give them different jobs`);
      names.add(job.job_name);
      entry = { ...job, static_configs: [] };
      jobs.set(key, entry);
    }
    entry.static_configs.push({
      targets: [new URL(t.url).host],
      labels: { ...(job.job_name === t.job ? {} : { job: t.job }), app: t.app, instance: t.instance },
    });
  }
  return [...jobs.values()];
}

/** prometheus.yml for these targets, evaluating `ruleFiles` at the scrape interval. */
export function prometheusConfig(o: {
  targets: ScrapeTarget[];
  scrapeIntervalSeconds?: number;
  ruleFiles?: string[];
}): string {
  const interval = o.scrapeIntervalSeconds ?? DEFAULT_SCRAPE_INTERVAL_SECONDS;
  const instances = new Set<string>();
  for (const t of o.targets) {
    const key = `${t.job} ${t.instance}`;
    if (instances.has(key)) throw new Error(`two ${t.job} targets are named ${t.instance}`);
    instances.add(key);
  }
  const config = {
    global: {
      scrape_interval: `${interval}s`,
      // A scrape must end before the next one is due.
      scrape_timeout: `${Math.min(interval, 10)}s`,
      evaluation_interval: `${interval}s`,
    },
    rule_files: o.ruleFiles ?? [],
    scrape_configs: scrapeJobs(o.targets),
  };
  return stringify(config, { lineWidth: 0, aliasDuplicateObjects: false });
}
