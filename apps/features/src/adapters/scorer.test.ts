import { describe, expect, it } from 'vitest';
import { fakeSidecar, problemAnswer, sidecarAnswer } from '@meridian/testkit';
import { InferenceClient } from '@meridian/service-kit';
import type { PendingRow } from '../domain/mote-state.ts';
import { Scorer } from './scorer.ts';

const row = (i: number): PendingRow => ({
  row_key: `3@1#${i}`,
  record_key: `k${i}`,
  ts: i,
  received_at: 1709287200000 + i,
  values: [40 + i, 20 + i],
});
const answer = {
  model_name: 'm',
  id: 'features-1',
  outputs: [{ name: 'score', datatype: 'FP32', shape: [2], data: [0.1, 0.9] }],
};

describe('Scorer', () => {
  it('when rows are scored, then inference gets the same request as before: inputs per feature, record keys and times comma-joined, the log required', async () => {
    const sidecar = fakeSidecar({ invoke: () => sidecarAnswer({ body: answer }) });
    const scorer = new Scorer({
      inference: new InferenceClient({ dapr: sidecar, appId: 'inference' }),
      model: 'm',
      names: ['humidity', 'temperature'],
    });
    expect(await scorer.score([row(1), row(2)], 'features-1')).toEqual([0.1, 0.9]);
    expect(sidecar.calls).toEqual([
      {
        appId: 'inference',
        method: 'v2/models/m/infer',
        timeoutMs: 30_000,
        body: {
          id: 'features-1',
          parameters: {
            record_keys: '3@1#1,3@1#2',
            record_times: '1709287200001,1709287200002',
            prediction_log: 'required',
          },
          inputs: [
            { name: 'humidity', datatype: 'FP32', shape: [2], data: [41, 42] },
            { name: 'temperature', datatype: 'FP32', shape: [2], data: [21, 22] },
          ],
        },
      },
    ]);
  });

  it('when inference refuses the inputs, then BAD_REQUEST (the stream goes on); when it is busy, then another code (the batch is retried)', async () => {
    const refusing = new Scorer({
      inference: new InferenceClient({
        dapr: fakeSidecar({ invoke: () => problemAnswer({ status: 400, detail: 'no input x' }) }),
        appId: 'inference',
      }),
      model: 'm',
      names: ['x'],
    });
    await expect(refusing.score([row(1)], 'id')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const busy = new Scorer({
      inference: new InferenceClient({
        dapr: fakeSidecar({ invoke: () => problemAnswer({ status: 429, detail: 'shed' }) }),
        appId: 'inference',
      }),
      model: 'm',
      names: ['x'],
    });
    await expect(busy.score([row(1)], 'id')).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
  });
});
