import { createServiceApp } from '@meridian/service-kit';
import { FakeClock, type MemoryStateStore, servedApp } from '@meridian/testkit';
import type { MonitorEnv } from '../env.ts';
import { createApp } from '../server.ts';
import { MemoryCards, fakeMonitor } from './fakes.ts';

const tensor = (name: string) => ({ name, datatype: 'FP32', shape: [-1, 1] });

/** A card of model m, version 1: x in, p out, trained on x = `sample` split either side of 0.5. */
export const monitorCard = (o: { sample: number[] }) => ({
  platform: 'onnx',
  inputs: [tensor('x')],
  outputs: [tensor('p')],
  created_at: '2026-01-01T00:00:00Z',
  reference: { x: { kind: 'numeric', count: 4, edges: [0.5], proportions: [0.5, 0.5], sample: o.sample } },
});

/**
 * A monitor over fakes (registry: model m, version 1 with `card`) on a fake clock, served in-process with
 * its app token; `state` carries on from an earlier one (a restart). The caller closes `served`.
 */
export async function serveMonitor(o: { env: MonitorEnv; card: Record<string, unknown>; state?: MemoryStateStore }) {
  const clock = new FakeClock();
  const monitor = fakeMonitor({
    env: o.env,
    clock: clock.now,
    cards: new MemoryCards({ cards: { 'm/1': o.card }, production: { m: '1' } }),
    ...(o.state ? { state: o.state } : {}),
  });
  const served = await servedApp({ app: createServiceApp(createApp(monitor.deps)), token: o.env.APP_API_TOKEN });
  return { ...monitor, clock, served };
}

/** The next write of a drift window lands, but its answer is lost (the caller sees an error). */
export function loseNextDriftAnswer(state: Pick<MemoryStateStore, 'saveManyIfUnchanged'>): void {
  const save = state.saveManyIfUnchanged.bind(state);
  let lost = false;
  state.saveManyIfUnchanged = async (o) => {
    const landed = await save(o);
    if (!lost && o.items.some((i) => i.key.startsWith('drift:'))) {
      lost = true;
      throw new Error('the answer was lost');
    }
    return landed;
  };
}
