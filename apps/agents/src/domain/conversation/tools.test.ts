import { InferRequest, ModelPolicy, RollbackRequest, StageChangeRequest, StartRunRequest } from '@meridian/contracts';
import { WAGE_FEATURES } from '@meridian/ml';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PlatformCall } from './tools.ts';
import { PLATFORM_TOOLS, PLATFORM_TOOL_SPECS, planCall, toolByName } from './tools.ts';

function planned(name: string, args: unknown): PlatformCall {
  const result = planCall(name, args);
  if (!result.ok) throw new Error(`expected ${name} to plan, got: ${result.error}`);
  return result.call;
}

function refused(name: string, args: unknown): string {
  const result = planCall(name, args);
  if (result.ok) throw new Error(`expected ${name} to refuse ${JSON.stringify(args)}`);
  return result.error;
}

describe('the tool catalogue', () => {
  it('when listed for a model, then every tool is plain data with an object JSON Schema and a unique name', () => {
    const names = PLATFORM_TOOL_SPECS.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    for (const spec of PLATFORM_TOOL_SPECS) {
      expect(spec.parameters.type).toBe('object');
      expect(spec.parameters).not.toHaveProperty('$schema');
      expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
    }
    expect(toolByName('drift')?.parameters.required).toEqual(['model']);
  });

  it('when a tool changes something, then it is marked mutating, and only those', () => {
    const mutating = PLATFORM_TOOLS.filter((t) => t.mutating).map((t) => t.name);
    expect(mutating.sort()).toEqual(['promote', 'rollback', 'set_traffic_policy', 'start_training']);
  });

  it('when the model name rule is shown to a model, then the schema carries its pattern', () => {
    const model = toolByName('drift')?.parameters.properties.model as { pattern?: string };
    expect(model.pattern).toBe('^[A-Za-z0-9][A-Za-z0-9._-]*$');
  });
});

describe('predict and explain', () => {
  it('when sensor-anomaly gets humidity and temperature, then one FP32 tensor of shape [1] each goes to infer', () => {
    const call = planned('predict', { model: 'sensor-anomaly', inputs: { humidity: 45, temperature: 30 } });
    expect(call).toEqual({
      app: 'inference',
      method: 'POST',
      path: '/v2/models/sensor-anomaly/infer',
      body: {
        inputs: [
          { name: 'humidity', shape: [1], datatype: 'FP32', data: [45] },
          { name: 'temperature', shape: [1], datatype: 'FP32', data: [30] },
        ],
      },
    });
    expect(InferRequest.safeParse(call.body).success).toBe(true);
  });

  it('when spam gets text, then it is a BYTES input; arrays become one row per value', () => {
    expect(planned('predict', { model: 'spam', inputs: { text: 'win a prize' } }).body).toEqual({
      inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: ['win a prize'] }],
    });
    const batch = planned('explain', { model: 'spam', inputs: { text: ['a', 'b', 'c'] } });
    expect(batch.path).toBe('/v2/models/spam/explain');
    expect(batch.body).toEqual({ inputs: [{ name: 'text', shape: [3], datatype: 'BYTES', data: ['a', 'b', 'c'] }] });
  });

  it('when wage-above-median gets every feature, then it plans; when one is missing, then the error names it', () => {
    const inputs = Object.fromEntries(WAGE_FEATURES.map((f) => [f, 1]));
    expect((planned('predict', { model: 'wage-above-median', inputs }).body as InferRequest).inputs).toHaveLength(11);
    const { union: _, ...withoutUnion } = inputs;
    expect(refused('predict', { model: 'wage-above-median', inputs: withoutUnion })).toMatch(/missing union/);
  });

  it('when inputs do not fit the model, then the error says what the model takes', () => {
    expect(refused('predict', { model: 'sensor-anomaly', inputs: { humidity: 1, temp: 2 } })).toMatch(
      /missing temperature, unknown temp \(sensor-anomaly takes humidity, temperature\)/,
    );
    expect(refused('predict', { model: 'spam', inputs: { text: 3 } })).toMatch(/inputs\.text: must be text/);
    expect(refused('predict', { model: 'sensor-anomaly', inputs: { humidity: 'wet', temperature: 3 } })).toMatch(
      /inputs\.humidity: must be numbers/,
    );
    expect(refused('predict', { model: 'other', inputs: { a: [1, 2], b: [1] } })).toMatch(/as many rows/);
    expect(refused('predict', { model: 'other', inputs: {} })).toMatch(/at least one input/);
    expect(refused('predict', { model: 'other', inputs: { a: { b: 1 } } })).toMatch(/inputs\.a: a number or a text/);
  });
});

describe('reports and look-ups', () => {
  it('when a monitor report is asked for, then it is a GET on the model', () => {
    for (const report of ['drift', 'quality', 'bias', 'slo']) {
      expect(planned(report, { model: 'spam' })).toEqual({
        app: 'monitor',
        method: 'GET',
        path: `/v1/monitor/models/spam/${report}`,
      });
    }
    expect(planned('alerts', {})).toEqual({ app: 'monitor', method: 'GET', path: '/v1/monitor/alerts' });
    expect(planned('alerts', undefined).path).toBe('/v1/monitor/alerts');
  });

  it('when versions or mote features are asked for, then registry and features are called', () => {
    expect(planned('model_versions', { model: 'wage-above-median' })).toEqual({
      app: 'registry',
      method: 'GET',
      path: '/v1/registry/models/wage-above-median/versions',
    });
    expect(planned('mote_features', { mote: '7' })).toEqual({
      app: 'features',
      method: 'GET',
      path: '/v1/features/sensor/7',
    });
  });

  it('when a name could escape its path segment, then it is refused', () => {
    for (const model of ['../registry', 'a/b', 'a..b', '', '-x', 'x'.repeat(129), 'a?b=1', 3]) {
      expect(refused('drift', { model })).toMatch(/^drift: model/);
    }
    expect(refused('mote_features', { mote: 'mote.7' })).toMatch(/^mote_features: mote/);
  });

  it('when an argument the tool does not take is sent, then it is refused by name', () => {
    expect(refused('alerts', { model: 'spam' })).toMatch(/model/);
  });
});

describe('mutating tools', () => {
  it('when a training run is asked for, then the body is a StartRunRequest from the api', () => {
    const call = planned('start_training', { model: 'sensor-anomaly', params: { epochs: 5 } });
    expect(call).toMatchObject({ app: 'training', method: 'POST', path: '/v1/training/runs' });
    expect(StartRunRequest.parse(call.body)).toEqual({
      model: 'sensor-anomaly',
      params: { epochs: 5 },
      trigger: 'api',
    });
  });

  it('when a version is promoted, then the stage defaults to production and a reason is given', () => {
    for (const version of [3, '3']) {
      const call = planned('promote', { model: 'spam', version });
      expect(call.path).toBe('/v1/registry/models/spam/versions/3/stage');
      expect(StageChangeRequest.parse(call.body).stage).toBe('production');
    }
    expect(planned('promote', { model: 'spam', version: 2, stage: 'staging', reason: 'try it' }).body).toEqual({
      stage: 'staging',
      reason: 'try it',
    });
    for (const version of [0, -1, 1.5, 'abc', '03'])
      expect(refused('promote', { model: 'spam', version })).toMatch(/version/);
    expect(refused('promote', { model: 'spam', version: 1, stage: 'live' })).toMatch(/stage/);
  });

  it('when a rollback is asked for, then the body is a RollbackRequest with a reason', () => {
    const call = planned('rollback', { model: 'spam' });
    expect(call).toMatchObject({ app: 'registry', method: 'POST', path: '/v1/registry/models/spam/rollback' });
    expect(RollbackRequest.safeParse(call.body).success).toBe(true);
    expect(planned('rollback', { model: 'spam', reason: 'bad recall' }).body).toEqual({ reason: 'bad recall' });
  });

  it('when a canary policy is set, then the whole ModelPolicy is PUT; a share over 100 is refused', () => {
    const policy = { traffic: { canary: { version: '4', percent: 20 } } };
    const call = planned('set_traffic_policy', { model: 'spam', policy });
    expect(call).toMatchObject({ app: 'inference', method: 'PUT', path: '/v2/models/spam/policy' });
    expect(call.body).toEqual(ModelPolicy.parse(policy));
    const tooMuch = { traffic: { canary: { version: '4', percent: 120 } } };
    expect(refused('set_traffic_policy', { model: 'spam', policy: tooMuch })).toMatch(
      /policy\.traffic\.canary\.percent/,
    );
  });
});

describe('planCall', () => {
  it('when the tool is unknown, then the error lists the known ones', () => {
    expect(refused('delete_everything', {})).toMatch(/unknown tool "delete_everything"; known: predict, explain/);
  });

  it('when a model sends any arguments at all, then planning answers a value and never throws', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PLATFORM_TOOLS.map((t) => t.name)), fc.anything(), (name, args) => {
        const result = planCall(name, args);
        expect(typeof result.ok).toBe('boolean');
      }),
    );
  });

  it('when call() is handed bad arguments, then it throws (a caller skipped planCall)', () => {
    expect(() => toolByName('drift')!.call({ model: '../x' })).toThrow(/drift: model/);
    expect(toolByName('drift')!.call({ model: 'spam' }).path).toBe('/v1/monitor/models/spam/drift');
  });
});
