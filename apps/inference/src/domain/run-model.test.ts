import { ModelPolicy } from '@meridian/contracts';
import { AppError } from '@meridian/service-kit';
import { describe, expect, it } from 'vitest';
import { MemoryPublisher } from '../testing/fakes.ts';
import { InferenceMetrics } from './metrics.ts';
import type { ModelEntry } from './model-store.ts';
import type { ModelVersion } from './model-version.ts';
import type { TensorMap } from './ports.ts';
import { PredictionLog } from './prediction-log.ts';
import { runModel } from './run-model.ts';

const answer: TensorMap = { score: { datatype: 'FP32', dims: [1], data: Float32Array.of(0.25) } };

function request(predict: () => Promise<TensorMap>, policy = ModelPolicy.parse({})) {
  const handle = { name: 'm', version: '1', outputs: [{ name: 'score' }], predict } as unknown as ModelVersion;
  const entry = { name: 'm', versions: new Map([['1', handle]]), policy } as unknown as ModelEntry;
  return {
    entry,
    policy,
    handle,
    route: { version: '1', reason: 'default' as const },
    id: 'r1',
    tensors: {},
    rows: 1,
    deadlineMs: 20,
    started: process.hrtime.bigint(),
  };
}

const deps = () => ({
  log: new PredictionLog({ publisher: new MemoryPublisher(), random: () => 1 }),
  metrics: new InferenceMetrics(() => []),
});

describe('runModel under its deadline', () => {
  it('when the model answers in time, then its answer is the result', async () => {
    await expect(
      runModel(
        deps(),
        request(async () => answer),
      ),
    ).resolves.toEqual({ result: answer });
  });

  it('when the model fails in time, then its failure is recorded and reaches the caller', async () => {
    const d = deps();
    await expect(
      runModel(
        d,
        request(() => Promise.reject(new Error('broken'))),
      ),
    ).rejects.toMatchObject({
      code: 'INTERNAL',
    });
    expect(await d.metrics.registry.getSingleMetricAsString('meridian_inference_errors_total')).toMatch(
      /code="INTERNAL"\} 1/,
    );
  });

  it('when the model never answers, then the deadline rejects with 504, or the fallback rule answers and says so', async () => {
    const never = () => new Promise<TensorMap>(() => undefined);
    const late = runModel(deps(), request(never));
    await expect(late).rejects.toBeInstanceOf(AppError);
    await expect(late).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });

    const policy = ModelPolicy.parse({ fallback: { rule: { outputs: { score: 0.5 } } } });
    const made = await runModel(deps(), request(never, policy));
    expect(made.fallback).toBe('deadline');
    expect(Array.from(made.result.score!.data as Float32Array)).toEqual([0.5]);
  });
});
