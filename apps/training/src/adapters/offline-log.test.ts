import { describe, expect, it } from 'vitest';
import { fakeSidecar, sidecarAnswer } from '@meridian/testkit';
import { FeaturesClient } from '@meridian/service-kit';
import { readOfflineLog } from './offline-log.ts';

describe('readOfflineLog', () => {
  it('when the last 30 days are read, then the features app is asked for those days and its rows come back', async () => {
    const row = { row_key: '3@1#1', entity: '3', record_key: 'k', ts: 1, received_at: 2, names: ['h'], values: [1] };
    const sidecar = fakeSidecar({
      invoke: () => sidecarAnswer({ body: { from: '2024-02-01', to: '2024-03-01', rows: [row] } }),
    });
    const rows = await readOfflineLog({
      features: new FeaturesClient({ dapr: sidecar, appId: 'features' }),
      days: 30,
      now: new Date('2024-03-01T12:00:00Z'),
    });
    expect(rows).toEqual([row]);
    expect(sidecar.calls.map((c) => c.method)).toEqual(['v1/features/offline?from=2024-02-01&to=2024-03-01']);
  });

  it('when the features app is down, then the read fails with UNAVAILABLE', async () => {
    const sidecar = fakeSidecar({
      invoke: () =>
        sidecarAnswer({ status: 500, body: { errorCode: 'ERR_DIRECT_INVOKE', message: 'app features not reachable' } }),
    });
    await expect(
      readOfflineLog({ features: new FeaturesClient({ dapr: sidecar, appId: 'features' }), days: 1 }),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
