import { AppError } from '@meridian/service-kit';
import type { ArtifactStore, LifecycleEvents, RegistryRecords } from './ports.ts';

export interface RegistryDeps {
  store: RegistryRecords;
  artifacts: ArtifactStore;
  events: LifecycleEvents;
  clock: () => Date;
  maxArtifactBytes: number;
}

export function notFound(message: string): AppError {
  return new AppError({ code: 'NOT_FOUND', message });
}

export const artifactPath = (o: { name: string; version: string; file: string }) => `${o.name}/${o.version}/${o.file}`;
