import type { ModelLifecycleEvent } from '@meridian/contracts';
import { AppError } from '@meridian/service-kit';
import type { RegistryStore } from '../adapters/registry-store.ts';

/** Where artifact bytes live (the `artifacts` binding in production, a Map in tests). */
export interface ArtifactStore {
  put(o: { path: string; bytes: Uint8Array }): Promise<void>;
  get(path: string): Promise<Buffer | undefined>;
  remove(path: string): Promise<void>;
}

export interface RegistryDeps {
  store: RegistryStore;
  artifacts: ArtifactStore;
  events: { publish(events: ModelLifecycleEvent[]): Promise<void> };
  clock: () => Date;
  maxArtifactBytes: number;
}

/** Optimistic writes retry this often before giving up with 503 (only under heavy contention on one model). */
export const MAX_ATTEMPTS = 30;

export async function backoff(attempt: number): Promise<void> {
  await new Promise((r) => setTimeout(r, 2 + Math.random() * 10 * Math.min(attempt + 1, 10)));
}

export function contended(what: string): AppError {
  return new AppError({ code: 'UNAVAILABLE', message: `${what}: too many concurrent changes to this model; try again`, headers: { 'retry-after': '1' } });
}

export function notFound(message: string): AppError {
  return new AppError({ code: 'NOT_FOUND', message });
}

export const artifactPath = (o: { name: string; version: string; file: string }) => `${o.name}/${o.version}/${o.file}`;
