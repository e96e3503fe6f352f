import type { AppSpec } from '../apps.ts';
import type { ManagedProcess } from '../managed-process.ts';
import type { AppLauncher, AppSlot } from '../running-app.ts';

/** The part of a ManagedProcess the platform runner reads; a test sets how it ended. */
export interface FakeProcess {
  opts: { name: string };
  running: boolean;
  stopRequested: boolean;
  exitCode: number | undefined;
  exitSignal: string | undefined;
  lines: string[];
  lastLines(): string[];
  stop(): Promise<void>;
  kill(): Promise<void>;
}

export function fakeProcess(name: string): FakeProcess & ManagedProcess {
  const p: FakeProcess = {
    opts: { name },
    running: true,
    stopRequested: false,
    exitCode: undefined,
    exitSignal: undefined,
    lines: [],
    lastLines: () => p.lines,
    stop: async () => {
      if (!p.running) return;
      Object.assign(p, { stopRequested: true, running: false, exitCode: 0 });
    },
    kill: async () => {
      p.running = false;
      p.exitSignal = 'SIGKILL';
    },
  };
  return p as FakeProcess & ManagedProcess;
}

/** A launcher that starts nothing: it records each start and hands out fake processes named like the real ones. */
export function fakeLauncher(): AppLauncher & { starts: { kind: 'app' | 'sidecar'; slot: AppSlot }[] } {
  const starts: { kind: 'app' | 'sidecar'; slot: AppSlot }[] = [];
  return {
    starts,
    app: (slot) => {
      starts.push({ kind: 'app', slot });
      return fakeProcess(slot.spec.id);
    },
    sidecar: (slot) => {
      starts.push({ kind: 'sidecar', slot });
      return fakeProcess(`${slot.spec.id}:dapr`);
    },
  };
}

export function appSpec(id: string, apis: AppSpec['dapr']['apis'] = ['invoke']): AppSpec {
  return {
    id,
    description: id,
    entry: `apps/${id}/src/main.ts`,
    port: 3000,
    dapr: { apis, components: [], secrets: [] },
    operations: [],
  };
}
