import { readdir } from 'node:fs/promises';
import type { TensorMetadata } from '@meridian/contracts';
import { listModelVersions, readModelVersion } from '@meridian/ml';
import { rootLogger } from '@meridian/service-kit';
import { OnnxModel } from '../adapters/onnx-runtime.ts';

export interface LoadedModel {
  name: string;
  version: string;
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
  runtime: OnnxModel;
}

/**
 * The models this process serves, read from a model repository folder
 * (<repo>/<name>/<version>/model.onnx + model.json). The newest version of
 * each model is loaded, its checksum verified, and it is warmed up with one
 * inference before it counts as ready.
 */
export class ModelStore {
  private readonly models = new Map<string, LoadedModel>();

  constructor(private readonly opts: { repository: string; intraOpThreads: number }) {}

  get(name: string): LoadedModel | undefined {
    return this.models.get(name);
  }

  list(): LoadedModel[] {
    return [...this.models.values()];
  }

  async loadAll(): Promise<void> {
    const names = await readdir(this.opts.repository).catch(() => [] as string[]);
    for (const name of names) {
      const versions = await listModelVersions({ repository: this.opts.repository, name });
      const latest = versions.at(-1);
      if (!latest) continue;
      try {
        await this.load(name, latest);
      } catch (err) {
        rootLogger().error({ err, model: name, version: latest }, 'model failed to load; not serving it');
      }
    }
  }

  async load(name: string, version: string): Promise<LoadedModel> {
    const { metadata, artifactPath } = await readModelVersion({ repository: this.opts.repository, name, version });
    const runtime = await OnnxModel.load({ path: artifactPath, intraOpThreads: this.opts.intraOpThreads });
    const model: LoadedModel = {
      name, version, platform: 'onnxruntime_onnx',
      inputs: metadata.inputs as TensorMetadata[], outputs: metadata.outputs as TensorMetadata[], runtime,
    };
    await runtime.run(Object.fromEntries(model.inputs.map((i) => [i.name, { data: new Float32Array(1), dims: [1] }])), model.outputs);
    const previous = this.models.get(name);
    this.models.set(name, model);
    if (previous) await previous.runtime.release();
    rootLogger().info({ model: name, version }, 'model loaded and warmed up');
    return model;
  }
}
