import { describe, expect, it } from 'vitest';
import { fakeSidecar, problemAnswer, sidecarAnswer } from '@meridian/testkit';
import { InferenceClient } from './inference-client.ts';

const request = {
  id: 'r1',
  parameters: { prediction_log: 'required' },
  inputs: [{ name: 'x', datatype: 'FP32' as const, shape: [1], data: [1] }],
};
const response = {
  model_name: 'm',
  model_version: '2',
  id: 'r1',
  outputs: [{ name: 'score', datatype: 'FP32', shape: [1], data: [0.5] }],
};

describe('InferenceClient', () => {
  it("when a request is scored, then it goes to the model's infer path and the OIP answer comes back", async () => {
    const sidecar = fakeSidecar({ invoke: () => sidecarAnswer({ body: response }) });
    const inference = new InferenceClient({ dapr: sidecar, appId: 'inference' });
    expect(await inference.infer({ model: 'm', request })).toEqual(response);
    await inference.infer({ model: 'm', version: '2', request, timeoutMs: 5 });
    expect(sidecar.calls.map((c) => [c.method, c.timeoutMs])).toEqual([
      ['v2/models/m/infer', 30_000],
      ['v2/models/m/versions/2/infer', 5],
    ]);
    expect(sidecar.calls[0]!.body).toEqual(request);
  });

  it('when inference refuses the inputs, then BAD_REQUEST with its field errors', async () => {
    const inference = new InferenceClient({
      dapr: fakeSidecar({
        invoke: () =>
          problemAnswer({
            status: 400,
            detail: 'inference request is invalid',
            errors: [{ path: 'inputs.0.shape', message: 'bad' }],
          }),
      }),
      appId: 'inference',
    });
    await expect(inference.infer({ model: 'm', request })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      errors: [{ path: 'inputs.0.shape', message: 'bad' }],
    });
  });

  it("when a version's readiness is asked, then ready answers it; a version not loaded is NOT_FOUND", async () => {
    const sidecar = fakeSidecar({
      invoke: (c) =>
        c.method === 'v2/models/m/versions/2/ready'
          ? sidecarAnswer({ body: { name: 'm', version: '2', ready: true } })
          : problemAnswer({ status: 404, detail: 'no version 3' }),
    });
    const inference = new InferenceClient({ dapr: sidecar, appId: 'inference' });
    expect(await inference.ready({ model: 'm', version: '2' })).toEqual({ name: 'm', version: '2', ready: true });
    await expect(inference.ready({ model: 'm', version: '3' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      status: 404,
    });
    expect(sidecar.calls[0]!.timeoutMs).toBe(5000);
  });
});
