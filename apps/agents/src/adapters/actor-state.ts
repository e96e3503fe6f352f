import { mapLimit, type ActorClient, type ActorRef } from '@meridian/service-kit';
import type { ActorState } from '../domain/ports.ts';

/** Reads in flight at once for getMany: the sidecar has no bulk read for actor state. */
const READ_CONCURRENCY = 16;

/** One actor's state through the sidecar's actor state API. */
export function actorState(o: { actors: ActorClient; ref: ActorRef }): ActorState {
  const get = <T>(key: string) => o.actors.getState<T>({ ...o.ref, key });
  return {
    get,
    getMany: <T>(keys: string[]) => mapLimit(keys, READ_CONCURRENCY, (key) => get<T>(key)),
    commit: (operations) => o.actors.transaction({ ...o.ref, operations }),
  };
}
