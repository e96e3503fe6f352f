import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface LogDigest {
  warnings: number;
  errors: number;
  /** The most frequent warning and error messages, digits folded, with their counts. */
  top: { message: string; count: number }[];
}

/** Pino lines carry a numeric level (40 warn, 50 error, 60 fatal); daprd writes `level=warning` / `level=error` text. */
function classify(line: string): { level: 'warn' | 'error'; message: string } | undefined {
  if (line.startsWith('{')) {
    try {
      const o = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } | string };
      if (typeof o.level !== 'number' || o.level < 40) return undefined;
      const err = typeof o.err === 'string' ? o.err : o.err?.message;
      return { level: o.level >= 50 ? 'error' : 'warn', message: [o.msg, err].filter(Boolean).join(': ') };
    } catch {
      return undefined;
    }
  }
  const level = /\blevel=(warning|error|fatal)\b/.exec(line)?.[1];
  if (!level) return undefined;
  return {
    level: level === 'warning' ? 'warn' : 'error',
    message: /\bmsg="((?:[^"\\]|\\.)*)"/.exec(line)?.[1] ?? line,
  };
}

/** How far each log file of <dataDir>/logs has been written, to digest only what was logged after. */
export function logOffsets(dataDir: string): Record<string, number> {
  const dir = join(dataDir, 'logs');
  if (!existsSync(dir)) return {};
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => [f, statSync(join(dir, f)).size]),
  );
}

/**
 * Warnings and errors per log file of <dataDir>/logs (one per app and
 * sidecar) between two sets of offsets: the load phases, without the noise
 * of start and stop.
 */
export function digestLogs(
  dataDir: string,
  range: { from: Record<string, number>; to: Record<string, number> },
): Record<string, LogDigest> {
  const dir = join(dataDir, 'logs');
  const out: Record<string, LogDigest> = {};
  for (const [file, end] of Object.entries(range.to).sort()) {
    const counts = new Map<string, number>();
    const digest: LogDigest = { warnings: 0, errors: 0, top: [] };
    const text = readFileSync(join(dir, file))
      .subarray(range.from[file] ?? 0, end)
      .toString('utf8');
    for (const line of text.split('\n')) {
      const c = classify(line);
      if (!c) continue;
      if (c.level === 'error') digest.errors += 1;
      else digest.warnings += 1;
      const key = `${c.level}: ${c.message.replace(/\d+/g, 'N').slice(0, 200)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    digest.top = [...counts]
      .sort(([, a], [, b]) => b - a)
      .slice(0, 5)
      .map(([message, count]) => ({ message, count }));
    if (digest.warnings || digest.errors) out[file.replace(/\.log$/, '')] = digest;
  }
  return out;
}
