import type { DaprClient } from './dapr-client.ts';
import type { StatePort } from './state-update.ts';

/** What oneKeyAtATime needs of the sidecar's state API (DaprClient, or testkit's memory store). */
export type OneKeyStateApi = Pick<DaprClient, 'getBulkState' | 'saveIfUnchanged'>;

/**
 * The state port for updateMany/updateOne/updateOrThrow that saves each key
 * in its own call, so a refused save certainly did not land. The many-key
 * save reads the keys back after a refusal and counts a key as landed when
 * it holds the value written: right for values that are never written twice
 * alike, wrong for a counter or an index that two writers can compute
 * identically from the same read (both would think they won; one update is
 * lost). Costs one call per key: for callers that update one key at a time.
 */
export function oneKeyAtATime(state: OneKeyStateApi): StatePort {
  return {
    getBulkState: (o) => state.getBulkState(o),
    async saveManyIfUnchanged(o) {
      const lost = new Set<string>();
      for (const item of o.items) if (!(await state.saveIfUnchanged({ store: o.store, ...item }))) lost.add(item.key);
      return lost;
    },
  };
}
