import { constants } from 'node:os';
import type { ExitInfo, SupervisorEvent } from '@meridian/platform';

const COLORS = [36, 35, 33, 32, 34, 31, 96, 95, 93, 92];
const CONTROL_PLANE = ['sentry', 'placement', 'scheduler'];
/** Jaeger and Prometheus talk as much as Dapr does: only their errors are shown too. */
const OBSERVABILITY = ['jaeger', 'prometheus'];
// logfmt and JSON (Dapr, Prometheus), zap's console lines (Jaeger: time, tab, level, tab).
const DAPR_SERIOUS = /level=(error|fatal)|"level":"(error|fatal|panic)"|^panic:|\t(error|fatal|panic)\t/;
const PINO_LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const PINO_NOISE = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'span_id', 'req_id']);

/** One pino JSON line as "level msg key=value ...". */
function formatPino(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const extras = Object.entries(entry)
      .filter(([k]) => !PINO_NOISE.has(k))
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
    return [PINO_LEVELS[entry.level as number] ?? entry.level, entry.msg, ...extras].join(' ');
  } catch {
    return line;
  }
}

/**
 * Prints each process's lines prefixed with its name. Dapr processes are
 * chatty: only their errors are shown unless verbose (every line is always
 * in .meridian/logs).
 */
export function printer(opts: { verbose: boolean }): (name: string, line: string) => void {
  const colors = new Map<string, number>();
  const tty = process.stdout.isTTY;
  return function print(name, line) {
    const isInfra = name.endsWith(':dapr') || CONTROL_PLANE.includes(name) || OBSERVABILITY.includes(name);
    if (isInfra && !opts.verbose && !DAPR_SERIOUS.test(line)) return;
    // The workflow SDK logs every orchestration step at INFO whatever level it is given.
    if (!opts.verbose && / INFO \[DurableTask, /.test(line)) return;
    if (!colors.has(name)) colors.set(name, COLORS[colors.size % COLORS.length]!);
    const label = name.padEnd(16);
    const text = isInfra ? line : formatPino(line);
    process.stdout.write(tty ? `\x1b[${colors.get(name)}m${label}\x1b[0m| ${text}\n` : `${label}| ${text}\n`);
  };
}

/** "exit 1", or "exit 137, killed by SIGKILL" for a process a signal ended (the shell's 128 + signal number). */
export function describeExit(exit: ExitInfo | null): string {
  if (!exit) return 'no exit yet';
  if (exit.signal) return `exit ${128 + (constants.signals[exit.signal] ?? 0)}, killed by ${exit.signal}`;
  return `exit ${exit.code}`;
}

const seconds = (ms: number) => `${ms / 1000}s`;
const tailOf = (name: string, lines: string[], n: number) => lines.slice(-n).map((l) => `  ${name} | ${formatPino(l)}`);

/** What the launcher prints for one supervision event: a `[meridian]` line, then any last lines of the process. */
export function describeSupervision(event: SupervisorEvent): { line: string; tail: string[] } {
  const { name } = event;
  switch (event.type) {
    case 'exited':
      return {
        line: `${name} exited (${describeExit(event.exit)}); restarting it in ${seconds(event.restartInMs)}. Its last lines:`,
        tail: tailOf(name, event.lastLines, 10),
      };
    case 'restarted':
      return {
        line: event.with
          ? `${name} restarted with ${event.with} (${event.restarts} restart${event.restarts === 1 ? '' : 's'})`
          : `${name} restarted (${event.restarts} restart${event.restarts === 1 ? '' : 's'}, ${describeExit(event.exit)})`,
        tail: [],
      };
    case 'restart-failed':
      return {
        line: `${name} did not come back (${event.failedStarts} failed start${event.failedStarts === 1 ? '' : 's'} in a row; trying again in ${seconds(event.restartInMs)}): ${event.reason.split('\n')[0]}`,
        tail: tailOf(name, event.lastLines, 5),
      };
    case 'gave-up':
      return {
        line: `${name} keeps failing at start (${event.failedStarts} restarts in a row never became ready); stopping. Its last lines:`,
        tail: tailOf(name, event.lastLines, 25),
      };
  }
}

/** What the launcher prints about the local trace viewer and metrics server. */
export function observabilityLines(o: { jaegerUrl: string; prometheusUrl: string }): string[] {
  return [`traces: ${o.jaegerUrl} (Jaeger)`, `metrics: ${o.prometheusUrl} (Prometheus)`];
}
