import type { ActorClient, ActorRef } from '@meridian/service-kit';
import type { ActorState } from '../domain/ports.ts';

/** Reads in flight at once for getMany: the sidecar has no bulk read for actor state. */
const READ_CONCURRENCY = 16;

/** One actor's state through the sidecar's actor state API. */
export function actorState(o: { actors: ActorClient; ref: ActorRef }): ActorState {
  const get = <T>(key: string) => o.actors.getState<T>({ ...o.ref, key });
  return {
    get,
    async getMany<T>(keys: string[]) {
      const out: (T | undefined)[] = new Array(keys.length);
      let next = 0;
      const worker = async () => {
        while (next < keys.length) {
          const i = next++;
          out[i] = await get<T>(keys[i]!);
        }
      };
      await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, keys.length) }, worker));
      return out;
    },
    commit: (operations) => o.actors.transaction({ ...o.ref, operations }),
  };
}
