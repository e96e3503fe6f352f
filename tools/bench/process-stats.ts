import { readFileSync, readdirSync } from 'node:fs';
import type { Platform } from '@meridian/platform';

/** Resident set size in MB, from /proc/<pid>/status (VmRSS); undefined once the process is gone. */
export function rssMb(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 102.4) / 10;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) of a process so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/**
 * Every process of the platform by name (`<app>` and `<app>-daprd`), read
 * at each call since a restarted app has a new pid, and this process
 * (`bench`: the load generator, and in the local stack the embedded broker).
 */
export function platformPids(platform: Platform): Record<string, number | undefined> {
  const out: Record<string, number | undefined> = { bench: process.pid };
  for (const [id, a] of Object.entries(platform.apps)) {
    out[id] = a.app.pid;
    out[`${id}-daprd`] = a.sidecar.pid;
  }
  return out;
}

export function cpuByProcess(platform: Platform): Record<string, number> {
  return Object.fromEntries(Object.entries(platformPids(platform)).map(([name, pid]) => [name, cpuSeconds(pid) ?? 0]));
}

/**
 * The servers the platform's components talk to on this machine, by the name the kernel gives
 * their processes (`/proc/<pid>/comm`), and the name they are reported under. They share the two
 * cores with the platform, so a run's CPU is not all counted without them.
 */
const SERVERS: Record<string, string> = {
  'redis-server': 'redis',
  'kfake-broker': 'kafka',
  'beam.smp': 'rabbitmq',
  'nats-server': 'nats',
  mosquitto: 'mosquitto',
  postgres: 'postgres',
  mariadbd: 'mariadb',
};

/** CPU seconds so far of every server process in SERVERS, summed per server (a server may run several processes). */
export function serverCpu(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let comm: string;
    try {
      comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    const name = SERVERS[comm];
    if (!name) continue;
    out[name] = (out[name] ?? 0) + (cpuSeconds(Number(entry)) ?? 0);
  }
  return out;
}

/** The platform's processes and the servers, as cpuSpent reads them. */
export const cpuWithServers = (platform: Platform): Record<string, number> => ({
  ...cpuByProcess(platform),
  ...serverCpu(),
});

/** Microseconds of CPU per record, all processes in `spent` together. */
export const cpuMicrosPerRecord = (spent: Record<string, number>, records: number): number =>
  records > 0 ? Math.round((Object.values(spent).reduce((a, b) => a + b, 0) * 1e6) / records) : 0;

/** CPU seconds each process used between two readings, largest first, rounded to 0.1 s. */
export function cpuSpent(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([name, v]): [string, number] => [name, Math.round((v - (before[name] ?? 0)) * 10) / 10])
      // A server that did nothing in the window (an idle broker of another stack) is left out.
      .filter(([name, v]) => v > 0 || !Object.values(SERVERS).includes(name))
      .sort(([, a], [, b]) => b - a),
  );
}

export interface MemoryTrend {
  first_quarter_mb: number;
  last_quarter_mb: number;
  growth_mb: number;
  max_mb: number;
}

/** Samples the RSS of every platform process at an interval; `trend()` compares the first and last quarter of the samples. */
export class MemorySampler {
  readonly samples: { at: number; rss: Record<string, number> }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly platform: Platform) {}

  sample(): void {
    const rss: Record<string, number> = {};
    for (const [name, pid] of Object.entries(platformPids(this.platform))) {
      const mb = rssMb(pid);
      if (mb !== undefined) rss[name] = mb;
    }
    this.samples.push({ at: performance.now(), rss });
  }

  start(intervalMs: number): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  trend(): Record<string, MemoryTrend> {
    const quarter = Math.max(1, Math.floor(this.samples.length / 4));
    const mean = (rows: typeof this.samples, name: string) => {
      const values = rows.map((r) => r.rss[name]).filter((v): v is number => v !== undefined);
      return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
    };
    const names = new Set(this.samples.flatMap((s) => Object.keys(s.rss)));
    const r1 = (x: number) => Math.round(x * 10) / 10;
    return Object.fromEntries(
      [...names].map((name) => {
        const first = mean(this.samples.slice(0, quarter), name);
        const last = mean(this.samples.slice(-quarter), name);
        const max = Math.max(...this.samples.map((s) => s.rss[name] ?? 0));
        return [
          name,
          { first_quarter_mb: r1(first), last_quarter_mb: r1(last), growth_mb: r1(last - first), max_mb: r1(max) },
        ];
      }),
    );
  }
}
