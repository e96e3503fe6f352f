import type { Express, Request } from 'express';
import { InferRequest, type ExplainResponse } from '@meridian/contracts';
import { parseOrThrow } from '@meridian/service-kit';
import { explainLogistic, explainShapley } from '../domain/explain.ts';
import type { ModelLimits } from '../domain/model-limits.ts';
import type { ModelStore } from '../domain/model-store.ts';
import { resolveVersion } from '../domain/resolve.ts';
import { toInputs } from '../domain/tensors.ts';
import { limitPerModel } from './model-limit.ts';

/**
 * POST /v2/models/{name}[/versions/{v}]/explain: per-feature attributions for
 * every input row. Exact (log-odds) for logistic models that carry their
 * coefficients; Shapley values over the inputs for any other model.
 */
export function explainRoutes(app: Express, deps: { store: ModelStore; limits: ModelLimits }): void {
  const limited = limitPerModel(deps);
  for (const base of ['/v2/models/:name', '/v2/models/:name/versions/:version']) {
    app.post(`${base}/explain`, limited, async (req: Request, res) => {
      const { name, version } = req.params as { name: string; version?: string };
      const body = parseOrThrow(InferRequest, req.body, 'explain request');
      const { handle } = resolveVersion(deps.store, { model: name, version, noSplit: true });
      const { tensors, rows } = toInputs({ model: handle.name, specs: handle.inputs, inputs: body.inputs });
      const inputs = Object.fromEntries(
        Object.entries(tensors).map(([n, t]) => [n, Array.from(t.data as ArrayLike<number>, Number)]),
      );
      const spec = handle.metadata.explainer;
      const output = handle.outputs[0]!.name;
      const result = spec
        ? explainLogistic({ spec, inputs })
        : await explainShapley({
            features: handle.inputs.map((i) => i.name),
            inputs,
            baseline: handle.metadata.baseline ?? Object.fromEntries(handle.inputs.map((i) => [i.name, 0])),
            predict: async (batch) => {
              const n = Object.values(batch)[0]!.length;
              const feeds = Object.fromEntries(
                Object.entries(batch).map(([k, v]) => [
                  k,
                  { datatype: 'FP32' as const, dims: [n], data: Float32Array.from(v) },
                ]),
              );
              const out = await handle.predict(feeds, n, Date.now() + 30_000);
              return Array.from(out[output]!.data as Float32Array);
            },
          });
      const response: ExplainResponse = {
        model_name: handle.name,
        model_version: handle.version,
        baseline: { ...result.baseline },
        attributions: result.rows.slice(0, rows).map((r) => ({ output: r.output, features: r.features })),
      };
      res.json(response);
    });
  }
}
