import { writeModelVersion } from '@meridian/ml';
import type { InferOutputTensor } from '@meridian/contracts';
import type { EventPublisher, ModelRuntime, ResponseCache, RuntimeCatalog, TensorMap } from '../domain/ports.ts';

/** A broker that records what it took, at the moment it was handed over; `down` makes it refuse. */
export class MemoryPublisher implements EventPublisher {
  readonly sent: { topic: string; data: unknown }[] = [];
  down = false;

  async publish(o: { topic: string; data: unknown }): Promise<void> {
    if (this.down) throw new Error('broker down');
    this.sent.push({ topic: o.topic, data: o.data });
  }
}

export class MemoryResponseCache implements ResponseCache {
  readonly answers = new Map<string, InferOutputTensor[]>();

  async get(o: { model: string; version: string; hash: string }): Promise<InferOutputTensor[] | undefined> {
    return this.answers.get(`${o.model}:${o.version}:${o.hash}`);
  }

  async put(o: { model: string; version: string; hash: string; outputs: InferOutputTensor[] }): Promise<void> {
    this.answers.set(`${o.model}:${o.version}:${o.hash}`, o.outputs);
  }
}

/** Every output is the first input doubled, as FP32 (enough for a one-input test model). */
function doubled(inputs: TensorMap, outputNames: readonly string[]): TensorMap {
  const first = Object.values(inputs)[0]!;
  const data = Float32Array.from(first.data as ArrayLike<number>, (v) => Number(v) * 2);
  return Object.fromEntries(outputNames.map((n) => [n, { datatype: 'FP32' as const, dims: [...first.dims], data }]));
}

/**
 * Runtimes for every platform whose runs the test can hold: after `hold()`
 * each run waits until `release()`, so requests stay in flight (and keep
 * their concurrency permits) exactly as long as the test wants, no timers.
 */
export class ControlledRuntimes {
  private holding = false;
  private readonly held: { rows: number; go(): void }[] = [];
  private readonly waiters: { rows: number; reached(): void }[] = [];

  readonly catalog: RuntimeCatalog = (platform) => ({
    platform,
    oipPlatform: `fake_${platform}`,
    load: async () => this.runtime(),
  });

  hold(): void {
    this.holding = true;
  }

  release(): void {
    this.holding = false;
    for (const run of this.held.splice(0)) run.go();
  }

  /** Resolves once held runs add up to at least `rows` rows. */
  heldRows(rows: number): Promise<void> {
    return new Promise((reached) => {
      this.waiters.push({ rows, reached });
      this.notify();
    });
  }

  private notify(): void {
    const total = this.held.reduce((n, r) => n + r.rows, 0);
    for (const w of this.waiters.splice(0)) total >= w.rows ? w.reached() : this.waiters.push(w);
  }

  private runtime(): ModelRuntime {
    return {
      run: async (inputs, outputNames) => {
        if (this.holding) {
          await new Promise<void>((go) => {
            this.held.push({ rows: Object.values(inputs)[0]?.dims[0] ?? 0, go });
            this.notify();
          });
        }
        return doubled(inputs, outputNames);
      },
      release: async () => {},
    };
  }
}

/**
 * Writes version 1 of a model with inputs x (FP32 [-1, -1]) and k (INT64 [-1]) and outputs y
 * and z (FP32 [-1, -1]): served by ControlledRuntimes, every output is the first input doubled.
 */
export async function writeXkModel(o: { repository: string; name: string }): Promise<void> {
  await writeModelVersion({
    repository: o.repository,
    name: o.name,
    version: '1',
    artifact: Buffer.from(`weights of ${o.name}`),
    metadata: {
      platform: 'onnx',
      threshold: 0.5,
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [-1, -1] },
        { name: 'k', datatype: 'INT64', shape: [-1] },
      ],
      outputs: [
        { name: 'y', datatype: 'FP32', shape: [-1, -1] },
        { name: 'z', datatype: 'FP32', shape: [-1, -1] },
      ],
    },
  });
}
