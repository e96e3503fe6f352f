import { describe, expect, it } from 'vitest';
import { InferResponse, type Role } from '@meridian/contracts';
import { WAGE_FEATURES, loadCpsWorkers, medianWage, wageFeatures, wageLabel } from '@meridian/ml';
import { APPS_BUT_AGENTS, eventually, usePlatform } from './helpers/platform.ts';

describe('bias of wage-above-median, on held-out data and on live traffic', () => {
  const h = usePlatform('local', {
    apps: APPS_BUT_AGENTS,
    seedModels: false,
    env: { BOOTSTRAP_MODELS: 'wage-above-median' },
  });
  const call = async (path: string, init: { body?: unknown; roles: Role[] }) => {
    const res = await h.gateway(path, {
      method: init.body === undefined ? 'GET' : 'POST',
      roles: init.roles,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    return { status: res.status, json: (await res.json()) as any }; // test-only: fields checked one by one
  };

  it('when requests carry protected attributes, then the monitor reports the three fairness metrics per attribute for held-out data and for the traffic', async () => {
    await eventually(
      () => call('/v2/models/wage-above-median', { roles: ['predict'] }),
      (r) => r.status === 200,
      60_000,
    );
    const workers = loadCpsWorkers().slice(0, 120);
    const features = workers.map((w) => wageFeatures(w));
    const body = {
      inputs: WAGE_FEATURES.map((name, j) => ({
        name,
        shape: [workers.length],
        datatype: 'FP32',
        data: features.map((f) => f[j]!),
      })),
      parameters: {
        'protected.sex': workers.map((w) => w.gender).join(','),
        'protected.race': workers.map((w) => w.race).join(','),
      },
    };
    const served = InferResponse.parse(
      (await call('/v2/models/wage-above-median/infer', { roles: ['predict'], body })).json,
    );
    const card = (
      await call(`/v1/registry/models/wage-above-median/versions/${served.model_version}`, { roles: ['predict'] })
    ).json.metadata;
    const selected = (served.outputs[0]!.data as number[]).map((p) => p >= card.threshold);

    const report = (
      await eventually(
        () => call('/v1/monitor/models/wage-above-median/bias', { roles: ['predict'] }),
        (r) => r.status === 200 && r.json.live?.sex,
      )
    ).json;
    // Held out: the registered card's own report, with every metric a number for both attributes.
    expect(report.held_out).toEqual(card.fairness);
    for (const attr of ['sex', 'race']) {
      for (const metric of ['demographic_parity_difference', 'equal_opportunity_difference', 'disparate_impact_ratio'])
        expect(Number.isFinite(report.held_out[attr][metric]), `${attr} ${metric}`).toBe(true);
    }
    const women = workers.flatMap((w, i) => (w.gender === 'female' ? [selected[i]] : []));
    const men = workers.flatMap((w, i) => (w.gender === 'male' ? [selected[i]] : []));
    const rate = (xs: (boolean | undefined)[]) => xs.filter(Boolean).length / xs.length;
    expect(report.live.sex.groups.female).toEqual({ count: women.length, selection_rate: rate(women) });
    expect(report.live.sex.demographic_parity_difference).toBeCloseTo(rate(women) - rate(men), 12);
    expect(report.live.sex.disparate_impact_ratio).toBeCloseTo(rate(women) / rate(men), 12);
    // No labels yet: the TPR gap is not made up.
    expect(report.live.sex.equal_opportunity_difference).toBeNull();

    // Labels arrive for every row: the equal-opportunity difference is the gap in the share of actual positives selected.
    const median = medianWage(loadCpsWorkers());
    const truth = workers.map((w) => wageLabel(w, median));
    const ids = String(served.parameters?.prediction_ids).split(',');
    await eventually(
      () => call(`/v1/monitor/predictions/${served.id}`, { roles: ['predict'] }),
      (r) => r.json.counted === true,
    );
    const labels = ids.map((prediction_id, i) => ({ prediction_id, label: truth[i]! }));
    expect((await call('/v1/labels', { roles: ['ingest'], body: labels })).json).toEqual({
      accepted: workers.length,
      duplicates: 0,
      unmatched: [],
    });
    const tpr = (attr: 'gender' | 'race', inGroup: (v: string) => boolean) => {
      const positives = workers.flatMap((w, i) => (inGroup(w[attr]) && truth[i] === 1 ? [selected[i]] : []));
      return positives.filter(Boolean).length / positives.length;
    };
    const labelled = (await call('/v1/monitor/models/wage-above-median/bias', { roles: ['predict'] })).json;
    expect(labelled.live.sex.equal_opportunity_difference).toBeCloseTo(
      tpr('gender', (g) => g === 'female') - tpr('gender', (g) => g === 'male'),
      12,
    );
    expect(labelled.live.race.equal_opportunity_difference).toBeCloseTo(
      tpr('race', (r) => r !== 'white') - tpr('race', (r) => r === 'white'),
      12,
    );
    expect(labelled.live.sex.labelled.groups.female).toMatchObject({
      count: women.length,
      selection_rate: rate(women),
    });
    expect(labelled.live.sex.labelled.demographic_parity_difference).toBeCloseTo(rate(women) - rate(men), 12);
    expect(labelled.live.sex.labelled.disparate_impact_ratio).toBeCloseTo(rate(women) / rate(men), 12);

    // The same labels again are duplicates and change nothing.
    expect((await call('/v1/labels', { roles: ['ingest'], body: labels })).json).toMatchObject({
      accepted: 0,
      duplicates: workers.length,
    });
    expect((await call('/v1/monitor/models/wage-above-median/bias', { roles: ['predict'] })).json.live).toEqual(
      labelled.live,
    );
  });

  it('when protected values do not match the rows, then 400 names the parameter', async () => {
    const body = {
      inputs: WAGE_FEATURES.map((name) => ({ name, shape: [2], datatype: 'FP32', data: [1, 1] })),
      parameters: { 'protected.sex': 'female' },
    };
    const res = await call('/v2/models/wage-above-median/infer', { roles: ['predict'], body });
    expect(res.status).toBe(400);
    expect(res.json.errors[0].path).toBe('parameters.protected.sex');
  });
});
