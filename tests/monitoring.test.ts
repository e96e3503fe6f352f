import { describe, expect, it } from 'vitest';
import { InferResponse, QualityReport, Topics, type Role } from '@meridian/contracts';
import { eventually, usePlatform } from './helpers/platform.ts';

describe('quality against delayed labels', () => {
  const h = usePlatform('local');
  const call = async (path: string, init: { body?: unknown; roles: Role[] }) => {
    const res = await h.gateway(path, { method: init.body === undefined ? 'GET' : 'POST', roles: init.roles, ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }) });
    return { status: res.status, json: (await res.json()) as any }; // test-only: fields checked one by one
  };

  it('when labels arrive for earlier predictions, then rolling precision, recall and F1 are reported; repeats count once', async () => {
    // Two clear anomalies and two ordinary readings in one request: four rows, four ids.
    const res = await call('/v2/models/sensor-anomaly/infer', {
      roles: ['predict'],
      body: { inputs: [{ name: 'humidity', shape: [4], datatype: 'FP32', data: [53.06, 51.12, 45.9, 45.93] }, { name: 'temperature', shape: [4], datatype: 'FP32', data: [39.9, 39.5, 27.95, 27.97] }] },
    });
    const out = InferResponse.parse(res.json);
    const ids = String(out.parameters?.prediction_ids).split(',');
    expect(ids).toEqual([0, 1, 2, 3].map((i) => `${out.id}:${i}`));
    const decisions = (out.outputs[0]!.data as number[]).map((p) => p >= 0.5);
    expect(decisions).toEqual([true, true, false, false]);

    // Truth: rows 0 and 2 are anomalies → tp 1 (row 0), fp 1 (row 1), fn 1 (row 2), tn 1 (row 3).
    const labels = [1, 0, 1, 0].map((label, i) => ({ prediction_id: ids[i]!, label }));
    // Post once the prediction has reached the monitor (posting earlier would report the rows as unmatched).
    await eventually(() => call(`/v1/monitor/predictions/${out.id}`, { roles: ['predict'] }), (r) => r.json.counted === true);
    const posted = await call('/v1/labels', { roles: ['ingest'], body: labels });
    expect(posted.json).toEqual({ accepted: 4, duplicates: 0, unmatched: [] });
    const again = await call('/v1/labels', { roles: ['ingest'], body: labels });
    expect(again.json).toMatchObject({ accepted: 0, duplicates: 4 });

    const quality = QualityReport.parse((await call('/v1/monitor/models/sensor-anomaly/quality', { roles: ['predict'] })).json);
    expect(quality).toMatchObject({ model: 'sensor-anomaly', version: '1', count: 4, precision: 0.5, recall: 0.5, f1: 0.5 });
  });

  it('when a label comes on the labels topic, then it is joined like one posted to the API', async () => {
    const res = await call('/v2/models/sensor-anomaly/infer', { roles: ['predict'], body: { inputs: [{ name: 'humidity', shape: [1], datatype: 'FP32', data: [45] }, { name: 'temperature', shape: [1], datatype: 'FP32', data: [27] }] } });
    const served = InferResponse.parse(res.json);
    const id = String(served.parameters?.prediction_ids);
    await eventually(() => call(`/v1/monitor/predictions/${served.id}`, { roles: ['predict'] }), (r) => r.json.counted === true);
    const publish = await fetch(`${h.platform.apps.inference!.daprUrl}/v1.0/publish/pubsub/${Topics.labels}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prediction_id: id, label: 0 }) });
    expect(publish.status).toBe(204);
    const quality = await eventually(async () => QualityReport.parse((await call('/v1/monitor/models/sensor-anomaly/quality', { roles: ['predict'] })).json), (q) => q.count === 5);
    expect(quality.count).toBe(5);
  });

  it('when labels are malformed, unknown or sent with a predict token, then 400, unmatched or 403', async () => {
    const bad = await call('/v1/labels', { roles: ['ingest'], body: [{ prediction_id: 'x', label: 7 }] });
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].path).toBe('0.label');
    expect((await call('/v1/labels', { roles: ['ingest'], body: [{ prediction_id: 'never-made:0', label: 1 }] })).json).toEqual({ accepted: 0, duplicates: 0, unmatched: ['never-made:0'] });
    expect((await call('/v1/labels', { roles: ['predict'], body: [{ prediction_id: 'x', label: 1 }] })).status).toBe(403);
  });
});
