import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { daprBinDir, startControlPlane, type ControlPlaneInfo } from '@meridian/platform';

declare module 'vitest' {
  export interface ProvidedContext {
    controlPlane: ControlPlaneInfo;
  }
}

/** One real Dapr control plane (sentry, placement, scheduler) for the whole test run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const home = mkdtempSync(join(tmpdir(), 'meridian-cp-'));
  const cp = await startControlPlane({ binDir: daprBinDir(), home });
  const { processes: _p, stop: _s, ...info } = cp;
  project.provide('controlPlane', info);
  return async () => {
    await cp.stop();
    rmSync(home, { recursive: true, force: true });
  };
}
