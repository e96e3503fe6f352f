import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess } from '../managed-process.ts';
import { httpOk, waitFor } from '../wait.ts';
import { jaegerConfig, type JaegerPorts } from './jaeger-config.ts';
import { toolBin } from './tool-bin.ts';

export interface Jaeger {
  /** The UI and query API, e.g. http://127.0.0.1:16686 (`/api/traces?service=gateway`). */
  url: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * Jaeger all-in-one with its spans in memory, on the given loopback ports; resolves once its
 * query API answers. Its config is `<dataDir>/observability/jaeger.yaml`, its log `<dataDir>/logs/jaeger.log`.
 */
export async function startJaeger(o: {
  dataDir: string;
  ports: JaegerPorts;
  onLine?: (name: string, line: string) => void;
  timeoutMs?: number;
}): Promise<Jaeger> {
  const dir = join(o.dataDir, 'observability');
  for (const d of [dir, join(o.dataDir, 'logs')]) mkdirSync(d, { recursive: true, mode: 0o700 });
  const configFile = join(dir, 'jaeger.yaml');
  writeFileSync(configFile, jaegerConfig({ ports: o.ports }));
  const jaeger = new ManagedProcess({
    name: 'jaeger',
    command: await toolBin('jaeger'),
    args: ['--config', configFile],
    cwd: dir,
    logFile: join(o.dataDir, 'logs', 'jaeger.log'),
    ...(o.onLine ? { onLine: o.onLine } : {}),
  });
  const url = `http://127.0.0.1:${o.ports.query}`;
  try {
    // The query API answers once storage is open; the receivers start before it.
    await waitFor({
      what: 'jaeger',
      timeoutMs: o.timeoutMs ?? 30_000,
      abort: () => (jaeger.running ? undefined : `exited (${jaeger.exitCode}):\n${jaeger.lastLines().join('\n')}`),
      check: () => httpOk(`${url}/api/services`),
    });
  } catch (err) {
    await jaeger.stop();
    throw err;
  }
  return { url, process: jaeger, stop: () => jaeger.stop() };
}
