import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ManagedProcess } from './managed-process.ts';
import { repoPath, repoRoot } from './paths.ts';
import { waitFor } from './wait.ts';

export interface KafkaBroker {
  /** Bootstrap address for clients: 127.0.0.1:<port>. */
  brokers: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * The path of kfake-broker (tools/kafka: franz-go's kfake behind a small main):
 * tools/kafka/ensure.sh builds it once from the Go module proxy into
 * ~/.cache/meridian/kafka (progress goes to our stderr). The answer is
 * remembered in MERIDIAN_KAFKA_BROKER_BIN so later calls skip the lookup.
 */
export function kafkaBrokerBin(): string {
  if (process.env.MERIDIAN_KAFKA_BROKER_BIN) return process.env.MERIDIAN_KAFKA_BROKER_BIN;
  const bin = execFileSync('bash', [repoPath('tools/kafka/ensure.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  }).trim();
  process.env.MERIDIAN_KAFKA_BROKER_BIN = bin;
  return bin;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Starts a single-node Kafka-protocol broker (kfake: topics auto-created,
 * consumer groups, plaintext, no auth) on 127.0.0.1:<port> and waits until it
 * accepts connections. Its log goes to <dataDir>/logs/kafka.log; with
 * `persist` its data lives in <dataDir>/kafka, else in memory. With
 * `advertisedPort` its metadata sends clients to 127.0.0.1:<advertisedPort>
 * (a proxy in front of it) instead of its own port.
 */
export async function startKafkaBroker(opts: {
  port: number;
  dataDir: string;
  persist?: boolean;
  advertisedPort?: number;
  logLevel?: string;
  onLine?: (name: string, line: string) => void;
  timeoutMs?: number;
}): Promise<KafkaBroker> {
  const logs = join(opts.dataDir, 'logs');
  mkdirSync(logs, { recursive: true });
  const args = [
    '--port',
    `${opts.port}`,
    '--cluster-id',
    'meridian',
    // Partitions of each topic it creates, as a Kafka deployment gives its topics several: a consumer
    // group's one member consumes them side by side (our Dapr build lets bulk deliveries of different
    // partitions reach the app at once), and a second replica takes some of them over.
    '--partitions',
    process.env.MERIDIAN_KAFKA_PARTITIONS ?? '4',
    '--log-level',
    opts.logLevel ?? 'warn',
  ];
  if (opts.persist) args.push('--data-dir', join(opts.dataDir, 'kafka'));
  if (opts.advertisedPort) args.push('--advertised-addr', `127.0.0.1:${opts.advertisedPort}`);
  const proc = new ManagedProcess({
    name: 'kafka',
    command: kafkaBrokerBin(),
    args,
    cwd: repoRoot,
    logFile: join(logs, 'kafka.log'),
    ...(opts.onLine ? { onLine: opts.onLine } : {}),
  });
  try {
    await waitFor({
      what: `kafka broker on 127.0.0.1:${opts.port}`,
      timeoutMs: opts.timeoutMs ?? 15_000,
      abort: () =>
        proc.running ? undefined : `kfake-broker exited with code ${proc.exitCode}:\n${proc.lastLines().join('\n')}`,
      check: () => accepts(opts.port),
    });
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { brokers: `127.0.0.1:${opts.port}`, process: proc, stop: () => proc.stop() };
}
