import type { ModelMetadata } from '@meridian/ml';
import { onnxRuntime } from './onnx.ts';
import { tfjsRuntime } from './tfjs.ts';
import type { RuntimeFactory } from '../../domain/ports.ts';

/** Every runtime the inference app can serve with; adding one is one file and one line here. */
const RUNTIMES: RuntimeFactory[] = [onnxRuntime, tfjsRuntime];

export function runtimeFor(platform: ModelMetadata['platform']): RuntimeFactory {
  const runtime = RUNTIMES.find((r) => r.platform === platform);
  if (!runtime)
    throw new Error(`no runtime for platform ${platform} (have ${RUNTIMES.map((r) => r.platform).join(', ')})`);
  return runtime;
}

export type { ModelRuntime, RuntimeFactory, Tensor, TensorMap } from '../../domain/ports.ts';
