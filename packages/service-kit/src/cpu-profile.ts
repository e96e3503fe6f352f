import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';

/** The V8 sampling profiler of this process, started and stopped in turn; each stop writes one profile. */
export class CpuProfiler {
  private readonly session = new Session();
  private running = false;
  private count = 0;

  constructor(private readonly o: { dir: string; name: string }) {
    this.session.connect();
  }

  /** Starts profiling (undefined), or stops and returns the file written: `<dir>/<name>-<pid>-<n>.cpuprofile`. */
  async toggle(): Promise<string | undefined> {
    if (!this.running) {
      await this.session.post('Profiler.enable');
      await this.session.post('Profiler.start');
      this.running = true;
      return undefined;
    }
    const { profile } = await this.session.post('Profiler.stop');
    this.running = false;
    this.count += 1;
    const file = join(this.o.dir, `${this.o.name}-${process.pid}-${this.count}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    return file;
  }
}

/**
 * On-demand CPU profiles of a running app, for benchmarks: with a directory
 * given (CPU_PROFILE_DIR), SIGUSR2 starts the profiler and the next SIGUSR2
 * stops it and writes the profile (Chrome DevTools' format), so it holds the
 * window between the two signals and not the app's start. Without a
 * directory nothing is installed.
 */
export function cpuProfileOnSignal(o: { dir: string | undefined; name: string; log: Logger }): void {
  if (!o.dir) return;
  const profiler = new CpuProfiler({ dir: o.dir, name: o.name });
  let turn: Promise<void> = Promise.resolve();
  process.on('SIGUSR2', () => {
    turn = turn
      .then(() => profiler.toggle())
      .then((file) => o.log.info(file ? { file } : {}, file ? 'cpu profile written' : 'cpu profile started'))
      .catch((err: unknown) => o.log.warn({ err }, 'cpu profile failed'));
  });
}
