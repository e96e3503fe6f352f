import { describe, expect, it } from 'vitest';
import { fakeSidecar, problemAnswer, sidecarAnswer } from '@meridian/testkit';
import { sensorWindowSpec } from '@meridian/ml';
import { FeaturesClient } from '@meridian/service-kit';
import { OnlineFeatureClient } from './online-features.ts';

const spec = sensorWindowSpec(3, ['mean']);
const client = (answer: ReturnType<typeof sidecarAnswer>) =>
  new OnlineFeatureClient({
    features: new FeaturesClient({ dapr: fakeSidecar({ invoke: () => answer }), appId: 'features' }),
  });

describe('OnlineFeatureClient', () => {
  it('when every entity has features, then one FP32 tensor per model input comes back, a row per entity', async () => {
    const features = client(
      sidecarAnswer({
        body: {
          names: ['humidity', 'humidity_mean'],
          rows: [
            { entity: '3', values: [40, 41], as_of: 1 },
            { entity: '7', values: [50, 51], as_of: 1 },
          ],
          missing: [],
        },
      }),
    );
    expect(await features.inputs({ model: 'm', spec, entities: ['3', '7'], inputNames: ['humidity_mean'] })).toEqual([
      { name: 'humidity_mean', datatype: 'FP32', shape: [2], data: [41, 51] },
    ]);
  });

  it('when an entity has no readings, then NOT_FOUND names it under parameters.entities', async () => {
    const features = client(sidecarAnswer({ body: { names: ['humidity'], rows: [], missing: ['9'] } }));
    await expect(
      features.inputs({ model: 'm', spec, entities: ['9'], inputNames: ['humidity'] }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
      errors: [{ path: 'parameters.entities.9', message: 'no online features' }],
    });
  });

  it('when the features app refuses the request, then BAD_REQUEST with its detail', async () => {
    const features = client(
      problemAnswer({
        status: 400,
        detail: 'feature vectors request is invalid',
        errors: [{ path: 'entities.0', message: 'Too big' }],
      }),
    );
    await expect(
      features.inputs({ model: 'm', spec, entities: ['x'], inputNames: ['humidity'] }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', errors: [{ path: 'entities.0', message: 'Too big' }] });
  });
});
