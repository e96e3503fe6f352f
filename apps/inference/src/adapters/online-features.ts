import type { InferInputTensor } from '@meridian/contracts';
import type { SensorWindowSpec } from '@meridian/ml';
import { AppError, badRequest, type FeaturesClient } from '@meridian/service-kit';
import type { OnlineFeatures } from '../domain/ports.ts';

/**
 * Inputs from the online feature store: for a model whose card says its
 * inputs are a sensor window, a caller names entities (motes) and the
 * features app computes each one's vector from its latest readings, with
 * the spec of the model being served (so the names always match its inputs).
 */
export class OnlineFeatureClient implements OnlineFeatures {
  constructor(private readonly opts: { features: FeaturesClient }) {}

  async inputs(o: {
    model: string;
    spec: SensorWindowSpec;
    entities: string[];
    inputNames: string[];
  }): Promise<InferInputTensor[]> {
    const answer = await this.opts.features.vectors({
      entities: o.entities,
      spec: { ...o.spec, features: [...o.spec.features] },
    });
    if (answer.missing.length) {
      throw new AppError({
        code: 'NOT_FOUND',
        message: `no online features for entities ${answer.missing.slice(0, 20).join(', ')} (no readings yet, or older than the feature TTL)`,
        errors: answer.missing
          .slice(0, 20)
          .map((e) => ({ path: `parameters.entities.${e}`, message: 'no online features' })),
      });
    }
    const missingNames = o.inputNames.filter((n) => !answer.names.includes(n));
    if (missingNames.length)
      throw badRequest(`model ${o.model} needs inputs the feature store does not compute: ${missingNames.join(', ')}`);
    const column = new Map(answer.names.map((n, j) => [n, j]));
    return o.inputNames.map((name) => ({
      name,
      datatype: 'FP32' as const,
      shape: [answer.rows.length],
      data: answer.rows.map((r) => r.values[column.get(name)!]!),
    }));
  }
}
