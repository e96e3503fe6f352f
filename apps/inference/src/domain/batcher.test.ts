import { describe, expect, it } from 'vitest';
import { BatchingPolicy } from '@meridian/contracts';
import { AppError } from '@meridian/service-kit';
import type { TensorMap } from './ports.ts';
import { Batcher } from './batcher.ts';

const fp32 = (values: number[]): TensorMap => ({
  x: { datatype: 'FP32', dims: [values.length], data: Float32Array.from(values) },
});

/** A "model" that doubles its input and records the batch sizes it saw; each run waits for `release`. */
function doubling() {
  const batches: number[] = [];
  let gates: (() => void)[] = [];
  const run = async (inputs: TensorMap): Promise<TensorMap> => {
    const x = inputs.x!.data as Float32Array;
    batches.push(x.length);
    await new Promise<void>((r) => gates.push(r));
    return { y: { datatype: 'FP32', dims: [x.length], data: x.map((v) => v * 2) } };
  };
  const release = () => {
    const g = gates;
    gates = [];
    g.forEach((r) => r());
  };
  return { run, batches, release };
}

const later = () => new Promise((r) => setTimeout(r, 5));

describe('Batcher', () => {
  it('when requests queue while batches run, then they are joined and each caller gets exactly its own rows', async () => {
    const model = doubling();
    const batcher = new Batcher({ run: model.run, policy: () => BatchingPolicy.parse({}) });
    const first = batcher.submit(fp32([1]), 1, Date.now() + 10_000);
    const second = batcher.submit(fp32([2]), 1, Date.now() + 10_000);
    const queued = [3, 4, 5].map((v) => batcher.submit(fp32([v, v + 10]), 2, Date.now() + 10_000));
    await later();
    model.release();
    await later();
    model.release();
    const results = await Promise.all([first, second, ...queued]);
    expect(model.batches).toEqual([1, 1, 6]);
    expect(results.map((r) => Array.from(r.y!.data as Float32Array))).toEqual([[2], [4], [6, 26], [8, 28], [10, 30]]);
  });

  it('when batching is disabled, then every request runs on its own', async () => {
    const model = doubling();
    const batcher = new Batcher({ run: model.run, policy: () => BatchingPolicy.parse({ enabled: false }) });
    const all = [1, 2, 3].map((v) => batcher.submit(fp32([v]), 1, Date.now() + 10_000));
    await later();
    model.release();
    await Promise.all(all);
    expect(model.batches).toEqual([1, 1, 1]);
  });

  it('when queued and running rows would pass max_queue_size, then the caller gets 429 with Retry-After', async () => {
    const model = doubling();
    const batcher = new Batcher({ run: model.run, policy: () => BatchingPolicy.parse({ max_queue_size: 3 }) });
    const accepted = [batcher.submit(fp32([1, 2]), 2, Date.now() + 10_000)];
    const refused = await batcher.submit(fp32([3, 4]), 2, Date.now() + 10_000).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).status).toBe(429);
    expect((refused as AppError).headers).toEqual({ 'retry-after': '1' });
    expect(batcher.depth).toBe(2);
    await later();
    model.release();
    await Promise.all(accepted);
    expect(batcher.depth).toBe(0);
  });

  it('when a request is past its deadline before its batch runs, then it fails with 504 and the others still run', async () => {
    const model = doubling();
    const batcher = new Batcher({ run: model.run, policy: () => BatchingPolicy.parse({}) });
    const blockers = [
      batcher.submit(fp32([1]), 1, Date.now() + 10_000),
      batcher.submit(fp32([1]), 1, Date.now() + 10_000),
    ];
    const expired = batcher.submit(fp32([7]), 1, Date.now() + 1).catch((e: unknown) => e);
    const alive = batcher.submit(fp32([8]), 1, Date.now() + 10_000);
    await new Promise((r) => setTimeout(r, 20));
    model.release();
    await later();
    model.release();
    expect(((await expired) as AppError).status).toBe(504);
    expect(Array.from((await alive).y!.data as Float32Array)).toEqual([16]);
    await Promise.all(blockers);
  });

  it('when the model throws, then every request of that batch gets the error', async () => {
    const batcher = new Batcher({
      run: async () => Promise.reject(new Error('boom')),
      policy: () => BatchingPolicy.parse({}),
    });
    const results = await Promise.allSettled([
      batcher.submit(fp32([1]), 1, Date.now() + 1000),
      batcher.submit(fp32([2]), 1, Date.now() + 1000),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(batcher.depth).toBe(0);
  });
});
