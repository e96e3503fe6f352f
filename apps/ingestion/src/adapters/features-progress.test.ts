import { describe, expect, it } from 'vitest';
import { fakeSidecar, sidecarAnswer } from '@meridian/testkit';
import { AppError } from '@meridian/service-kit';
import { FeaturesProgress } from './features-progress.ts';

const consumer = { instance: 'p1', started_at: '2026-12-01T10:00:00.000Z', consumed: 42, in_flight: 7 };
const stats = {
  spec: { kind: 'sensor-window', version: 1, window: 5, features: ['mean'] },
  names: ['humidity'],
  batches: 1,
  applied: 40,
  duplicates: 1,
  scored: 40,
  rescored: 0,
  dropped: 1,
  cas_retries: 0,
  score_refused: 0,
  consumer,
};

describe('FeaturesProgress', () => {
  it("when the features app answers its stats, then its consumer's progress comes back, asked with a deadline", async () => {
    const sidecar = fakeSidecar({ invoke: () => sidecarAnswer({ body: stats }) });
    const progress = await new FeaturesProgress({ dapr: sidecar, appId: 'features', timeoutMs: 2000 }).progress();
    expect(progress).toEqual(consumer);
    expect(sidecar.calls).toEqual([{ appId: 'features', method: 'v1/features/stats', timeoutMs: 2000 }]);
  });

  it('when the features app is older and reports no progress, then the call fails (and the backlog counts as unmeasured)', async () => {
    const { consumer: _, ...older } = stats;
    const sidecar = fakeSidecar({ invoke: () => sidecarAnswer({ body: older }) });
    const call = new FeaturesProgress({ dapr: sidecar, appId: 'features', timeoutMs: 2000 }).progress();
    await expect(call).rejects.toSatisfy((e) => e instanceof AppError && e.code === 'BAD_GATEWAY');
  });
});
