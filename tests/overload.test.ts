import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PredictionCounts } from '@meridian/contracts';
import { APPS_BUT_AGENTS, eventually, usePlatform } from './helpers/platform.ts';

/**
 * A burst larger than the consumers can take: the monitor is frozen (SIGSTOP)
 * while predictions pour in, so its backlog can only grow. The edge must stay
 * ready and serving, and when the monitor runs again every prediction is
 * counted exactly once.
 */
const h = usePlatform('local', {
  apps: APPS_BUT_AGENTS,
  env: { RATE_LIMITS: 'infer:*=100000000/60s,read:*=100000000/60s,ingest:*=100000/60s,admin:*=10000/60s' },
});

describe('overload and recovery', () => {
  it('when the monitor cannot keep up with a burst, then the gateway stays ready and serving, and every prediction is counted once after the backlog drains', {
    timeout: 300_000,
  }, async () => {
    const monitor = h.platform.apps.monitor!;
    const run = randomUUID().slice(0, 8);
    const count = async () =>
      PredictionCounts.parse(await (await h.gateway('/v1/monitor/predictions', { roles: ['predict'] })).json()).models[
        'sensor-anomaly'
      ] ?? 0;
    const before = await count();
    const burst = 600;
    process.kill(monitor.app.pid!, 'SIGSTOP');
    const statuses: number[] = [];
    try {
      let next = 0;
      const send = async () => {
        while (next < burst) {
          const i = next++;
          const res = await h.gateway('/v2/models/sensor-anomaly/infer', {
            method: 'POST',
            roles: ['predict'],
            body: JSON.stringify({
              id: `burst-${run}-${i}`,
              inputs: [
                { name: 'humidity', shape: [1], datatype: 'FP32', data: [40 + (i % 20)] },
                { name: 'temperature', shape: [1], datatype: 'FP32', data: [25] },
              ],
            }),
          });
          statuses.push(res.status);
        }
      };
      await Promise.all(Array.from({ length: 16 }, send));
      // The consumer is frozen with its backlog; the edge answers for itself.
      const ready = await fetch(`${h.platform.gatewayUrl}/readyz`);
      expect(ready.status, await ready.text()).toBe(200);
      expect((await h.gateway('/v2/models/sensor-anomaly', { roles: ['predict'] })).status).toBe(200);
      expect((await h.gateway('/v1/monitor/predictions', { roles: ['predict'] })).status).toBeGreaterThanOrEqual(500);
    } finally {
      process.kill(monitor.app.pid!, 'SIGCONT');
    }
    const answered = statuses.filter((s) => s === 200).length;
    expect(answered).toBe(burst);
    const after = await eventually(count, (n) => n >= before + answered, 240_000);
    expect(after).toBe(before + answered);
    for (const i of [0, burst / 2, burst - 1]) {
      expect(
        await (await h.gateway(`/v1/monitor/predictions/burst-${run}-${i}`, { roles: ['predict'] })).json(),
      ).toMatchObject({ counted: true });
    }
    expect((await fetch(`${h.platform.gatewayUrl}/readyz`)).status).toBe(200);
  });
});
