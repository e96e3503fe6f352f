import { FeatureVectorsResponse, type InferInputTensor } from '@meridian/contracts';
import type { SensorWindowSpec } from '@meridian/ml';
import { AppError, badRequest, type DaprClient } from '@meridian/service-kit';

/**
 * Inputs from the online feature store: for a model whose card says its
 * inputs are a sensor window, a caller names entities (motes) and the
 * features app computes each one's vector from its latest readings, with
 * the spec of the model being served (so the names always match its inputs).
 */
export class OnlineFeatureClient {
  constructor(private readonly opts: { dapr: DaprClient; appId: string }) {}

  async inputs(o: { model: string; spec: SensorWindowSpec; entities: string[]; inputNames: string[] }): Promise<InferInputTensor[]> {
    const res = await this.opts.dapr.invoke({ appId: this.opts.appId, method: 'v1/features/sensor/vectors', body: { entities: o.entities, spec: o.spec }, timeoutMs: 10_000 });
    if (!res.ok) throw new AppError({ code: res.status === 400 ? 'BAD_REQUEST' : 'BAD_GATEWAY', message: `online features for ${o.model} failed (${res.status}): ${res.text().slice(0, 300)}` });
    const answer = FeatureVectorsResponse.parse(res.json());
    if (answer.missing.length) {
      throw new AppError({ code: 'NOT_FOUND', message: `no online features for entities ${answer.missing.slice(0, 20).join(', ')} (no readings yet, or older than the feature TTL)`, errors: answer.missing.slice(0, 20).map((e) => ({ path: `parameters.entities.${e}`, message: 'no online features' })) });
    }
    const missingNames = o.inputNames.filter((n) => !answer.names.includes(n));
    if (missingNames.length) throw badRequest(`model ${o.model} needs inputs the feature store does not compute: ${missingNames.join(', ')}`);
    const column = new Map(answer.names.map((n, j) => [n, j]));
    return o.inputNames.map((name) => ({ name, datatype: 'FP32' as const, shape: [answer.rows.length], data: answer.rows.map((r) => r.values[column.get(name)!]!) }));
  }
}
