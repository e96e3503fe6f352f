import type { InferOutputTensor, ModelPolicy, PredictionEvent } from '@meridian/contracts';
import { AppError } from '@meridian/service-kit';
import type { ModelEntry } from './model-store.ts';
import type { ModelVersion } from './model-version.ts';
import type { TensorMap } from './ports.ts';
import type { PredictionLog } from './prediction-log.ts';
import type { ShadowStats } from './shadow-stats.ts';
import { toOutput } from './tensors.ts';
import type { Route } from './traffic.ts';

export interface PublishPrediction {
  /** The event, made when it is needed (synchronously, within this call). */
  event: () => PredictionEvent;
  /** The caller asked (prediction_log=required) that its answer wait for the event. */
  required: boolean;
  policy: ModelPolicy;
  entry: ModelEntry;
  handle: ModelVersion;
  route: Route;
  tensors: TensorMap;
  rows: number;
  names: string[];
  outputs: InferOutputTensor[];
}

const numbers = (t: InferOutputTensor | undefined) => (t?.data ?? []).map(Number);

/**
 * Runs the same inputs on the shadow candidate off the request path, then
 * compares it with the champion and logs the event with both outputs. A
 * failing shadow still lets the champion's event through, without it.
 */
function mirrorToShadow(
  deps: { log: PredictionLog; shadow: ShadowStats },
  o: PublishPrediction & { shadow: ModelVersion },
): void {
  const { shadow, handle: champion, policy } = o;
  const event = o.event();
  void shadow.predict(o.tensors, o.rows, Date.now() + policy.deadline_ms).then(
    (s) => {
      const shadowOutputs = o.names.map((n) => toOutput(n, s[n]!));
      deps.shadow.record({
        model: champion.name,
        champion: champion.version,
        candidate: shadow.version,
        championScores: numbers(o.outputs[0]),
        candidateScores: numbers(shadowOutputs[0]),
        threshold: champion.metadata.threshold ?? 0.5,
      });
      deps.log.record(
        () => ({
          ...event,
          shadow: { version: shadow.version, outputs: Object.fromEntries(shadowOutputs.map((t) => [t.name, t.data])) },
        }),
        policy.prediction_log,
      );
    },
    () => deps.log.record(() => event, policy.prediction_log),
  );
}

/**
 * Records the prediction event. A caller that needs every row to reach the
 * monitor gets its answer only once the event is published (503 to retry
 * otherwise), and no shadow runs for it; any other event is sampled,
 * published off the request path, with the shadow's outputs when one runs.
 */
export async function publishPrediction(
  deps: { log: PredictionLog; shadow: ShadowStats },
  o: PublishPrediction,
): Promise<void> {
  if (o.required) {
    try {
      await deps.log.recordRequired(o.event(), o.policy.prediction_log);
    } catch (err) {
      throw new AppError({
        code: 'UNAVAILABLE',
        message: `the prediction was made but its event could not be published; retry (${(err as Error).message})`,
        headers: { 'retry-after': '1' },
        cause: err,
      });
    }
    return;
  }
  const shadow = o.route.shadow !== undefined ? o.entry.versions.get(o.route.shadow) : undefined;
  if (shadow) mirrorToShadow(deps, { ...o, shadow });
  else deps.log.record(o.event, o.policy.prediction_log);
}
