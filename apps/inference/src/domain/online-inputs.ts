import type { InferRequest } from '@meridian/contracts';
import { badRequest } from '@meridian/service-kit';
import type { ModelVersion } from './model-version.ts';
import type { OnlineFeatures } from './ports.ts';

/** A request naming entities gets its inputs from the online feature store, computed with the served version's spec. */
export async function withOnlineInputs(
  deps: { features?: OnlineFeatures | undefined },
  o: { handle: ModelVersion; body: InferRequest; entities: string[] | undefined },
): Promise<InferRequest> {
  const { handle, body } = o;
  if (body.inputs.length) return body;
  const spec = handle.metadata.online_features;
  if (!spec || !deps.features) {
    throw badRequest(`model ${handle.name} v${handle.version} has no online features: send its inputs`, [
      { path: 'inputs', message: 'required for this model' },
    ]);
  }
  const entities = o.entities ?? [];
  if (!entities.length)
    throw badRequest('parameters.entities names no entity', [
      { path: 'parameters.entities', message: 'comma-separated entity ids' },
    ]);
  const inputs = await deps.features.inputs({
    model: handle.name,
    spec,
    entities,
    inputNames: handle.inputs.map((i) => i.name),
  });
  return { ...body, inputs };
}
