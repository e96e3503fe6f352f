import { describe, expect, it } from 'vitest';
import { createLogger, type DaprClient } from '@meridian/service-kit';
import { GlobalSensorModel } from './global-sensor-model.ts';

createLogger({ name: 'test', level: 'silent' });

/** Inference answers `scores` from version v1, whose card in the registry has threshold 0.5. */
function model(scores: number[]) {
  const dapr = {
    invoke: async (o: { appId: string }) => ({
      ok: true,
      json: () =>
        o.appId === 'inference'
          ? { model_version: 'v1', outputs: [{ name: 'anomaly_probability', data: scores }] }
          : { metadata: { threshold: 0.5 } },
    }),
  } as unknown as DaprClient;
  return new GlobalSensorModel({ dapr, timeoutMs: 1000 });
}

const rows = (n: number) => Array.from({ length: n }, () => ({ humidity: 40, temperature: 20 }));

describe('GlobalSensorModel', () => {
  it("when the model answers, then each row gets its own verdict at the card's threshold", async () => {
    expect(await model([0.9, 0.1, 0.5]).verdicts(rows(3))).toEqual([true, false, true]);
  });

  it('when the model answers fewer scores than rows, then the rows without one get no verdict, and none is shifted', async () => {
    const verdicts = await model([0.9]).verdicts(rows(3));
    expect(verdicts).toEqual([true, undefined, undefined]);
    expect(verdicts).toHaveLength(3);
  });
});
