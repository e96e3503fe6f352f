import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess } from '../managed-process.ts';
import { httpOk, waitFor } from '../wait.ts';
import { toolBin } from './tool-bin.ts';

export interface Prometheus {
  /** e.g. http://127.0.0.1:9090 (`/api/v1/targets`, `/api/v1/query`). */
  url: string;
  process: ManagedProcess;
  /** Writes a new prometheus.yml and has Prometheus load it; rejects with its reason when it refuses it. */
  reload(config: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Prometheus on 127.0.0.1:`port` with `config` (written to `<dataDir>/observability/prometheus.yml`),
 * its data in `<dataDir>/observability/prometheus-data`; resolves once it is ready to serve queries.
 */
export async function startPrometheus(o: {
  dataDir: string;
  port: number;
  config: string;
  onLine?: (name: string, line: string) => void;
  timeoutMs?: number;
}): Promise<Prometheus> {
  const dir = join(o.dataDir, 'observability');
  for (const d of [dir, join(o.dataDir, 'logs')]) mkdirSync(d, { recursive: true, mode: 0o700 });
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, o.config);
  const url = `http://127.0.0.1:${o.port}`;
  const prometheus = new ManagedProcess({
    name: 'prometheus',
    command: await toolBin('prometheus'),
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
      `--web.listen-address=127.0.0.1:${o.port}`,
      '--enable-feature=exemplar-storage',
      // POST /-/reload: new targets (a replica added, a platform restarted) without losing the series so far.
      '--web.enable-lifecycle',
    ],
    cwd: dir,
    logFile: join(o.dataDir, 'logs', 'prometheus.log'),
    ...(o.onLine ? { onLine: o.onLine } : {}),
  });
  try {
    await waitFor({
      what: 'prometheus',
      timeoutMs: o.timeoutMs ?? 30_000,
      abort: () =>
        prometheus.running ? undefined : `exited (${prometheus.exitCode}):\n${prometheus.lastLines().join('\n')}`,
      check: () => httpOk(`${url}/-/ready`),
    });
  } catch (err) {
    await prometheus.stop();
    throw err;
  }
  return {
    url,
    process: prometheus,
    async reload(config) {
      writeFileSync(configFile, config);
      const res = await fetch(`${url}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
      const body = await res.text();
      if (!res.ok) throw new Error(`prometheus refused its new configuration (${res.status}): ${body.trim()}`);
    },
    stop: () => prometheus.stop(),
  };
}
