import { describe, expect, it } from 'vitest';
import { fakeSidecar, sidecarAnswer } from '@meridian/testkit';
import { FeaturesClient } from './features-client.ts';

const spec = { kind: 'sensor-window' as const, version: 1 as const, window: 3, features: ['mean' as const] };

describe('FeaturesClient', () => {
  it('when vectors are asked for, then the request is posted and the answer checked', async () => {
    const answer = {
      names: ['humidity', 'humidity_mean'],
      rows: [{ entity: '3', values: [40, 41], as_of: 1 }],
      missing: ['7'],
    };
    const sidecar = fakeSidecar({ invoke: () => sidecarAnswer({ body: answer }) });
    expect(
      await new FeaturesClient({ dapr: sidecar, appId: 'features' }).vectors({ entities: ['3', '7'], spec }),
    ).toEqual(answer);
    expect(sidecar.calls).toEqual([
      {
        appId: 'features',
        method: 'v1/features/sensor/vectors',
        body: { entities: ['3', '7'], spec },
        timeoutMs: 10_000,
      },
    ]);
  });

  it('when the offline log is read, then the days go in the query and the rows come back', async () => {
    const row = {
      row_key: '3@1#1',
      entity: '3',
      record_key: 'k',
      ts: 1,
      received_at: 2,
      names: ['h'],
      values: [1],
      label: 1,
    };
    const sidecar = fakeSidecar({
      invoke: () => sidecarAnswer({ body: { from: '2024-01-01', to: '2024-01-30', rows: [row] } }),
    });
    const log = await new FeaturesClient({ dapr: sidecar, appId: 'features' }).offlineLog({
      from: '2024-01-01',
      to: '2024-01-30',
    });
    expect(log.rows).toEqual([row]);
    expect(sidecar.calls).toEqual([
      { appId: 'features', method: 'v1/features/offline?from=2024-01-01&to=2024-01-30', timeoutMs: 120_000 },
    ]);
  });

  it('when a row of the offline log breaks its contract, then 502 names it', async () => {
    const sidecar = fakeSidecar({
      invoke: () => sidecarAnswer({ body: { from: 'a', to: 'b', rows: [{ row_key: 1 }] } }),
    });
    await expect(
      new FeaturesClient({ dapr: sidecar, appId: 'features' }).offlineLog({ from: 'a', to: 'b' }),
    ).rejects.toMatchObject({
      code: 'BAD_GATEWAY',
      errors: expect.arrayContaining([{ path: 'rows.0.row_key', message: expect.any(String) }]),
    });
  });
});
