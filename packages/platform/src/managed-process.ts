import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface ProcessOptions {
  /** Short label used to prefix log lines, e.g. "inference:dapr". */
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Full log file; the last lines are also kept in memory for error reports. */
  logFile: string;
  /** Called with every output line (e.g. to print it prefixed). */
  onLine?: (name: string, line: string) => void;
}

const SETPRIV = '/usr/bin/setpriv';

/**
 * A child process that dies with us: on Linux it is started through
 * `setpriv --pdeathsig SIGKILL`, so even a kill -9 of the launcher leaves
 * no orphan daprd holding ports. Its output is kept in a log file and its
 * last lines in memory.
 */
export class ManagedProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Resolves after `exited`, once its output is read to the end: the lines it
   * wrote last are all in lastLines() (on 'exit' they may still be in the pipe).
   */
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly tail: string[] = [];
  private readonly log: WriteStream;
  private stopAsked = false;
  exitCode: number | null | undefined;
  /** The signal that ended it (SIGKILL for a kill -9), null when it exited by itself. */
  exitSignal: NodeJS.Signals | null | undefined;

  constructor(readonly opts: ProcessOptions) {
    this.log = createWriteStream(opts.logFile, { flags: 'a' });
    const [command, args] = existsSync(SETPRIV)
      ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', opts.command, ...opts.args]]
      : [opts.command, opts.args];
    this.child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => this.record(line));
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        resolve({ code, signal });
      });
      this.child.once('error', (err) => {
        this.record(`failed to start: ${err.message}`);
        this.exitCode = -1;
        this.exitSignal = null;
        resolve({ code: -1, signal: null });
      });
    });
    this.closed = new Promise((resolve) => {
      this.child.once('close', () => void this.exited.then(resolve));
      this.child.once('error', () => void this.exited.then(resolve));
    });
  }

  private record(line: string): void {
    this.tail.push(line);
    if (this.tail.length > 60) this.tail.shift();
    // A child's last lines can arrive after 'exit' and after stop() closed the log: keep them in the tail only.
    if (!this.log.writableEnded) this.log.write(`${line}\n`);
    this.opts.onLine?.(this.opts.name, line);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** True once stop() was called: its exit is asked for, not a crash (kill() is a crash). */
  get stopRequested(): boolean {
    return this.stopAsked;
  }

  lastLines(n = 25): string[] {
    return this.tail.slice(-n);
  }

  /** SIGTERM, then SIGKILL after the grace period. */
  async stop(graceMs = 8000): Promise<void> {
    this.stopAsked = true;
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    await new Promise((r) => this.log.end(r));
  }

  /** Simulates a crash. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }
}
