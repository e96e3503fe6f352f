import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CpuProfiler } from './cpu-profile.ts';

const dir = mkdtempSync(join(tmpdir(), 'cpu-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function busy(ms: number): number {
  let x = 0;
  for (const end = performance.now() + ms; performance.now() < end; ) x += Math.sqrt(x + 1);
  return x;
}

describe('CpuProfiler', () => {
  it('when toggled twice, then one profile of the work in between is written, and the next pair writes another', async () => {
    const profiler = new CpuProfiler({ dir, name: 'app' });
    expect(await profiler.toggle()).toBeUndefined();
    busy(50);
    const file = await profiler.toggle();
    expect(file).toBe(join(dir, `app-${process.pid}-1.cpuprofile`));
    const profile = JSON.parse(readFileSync(file!, 'utf8')) as { nodes: { callFrame: { functionName: string } }[] };
    expect(profile.nodes.some((n) => n.callFrame.functionName === 'busy')).toBe(true);
    await profiler.toggle();
    expect(await profiler.toggle()).toBe(join(dir, `app-${process.pid}-2.cpuprofile`));
  });
});
