import type { ModelVersionSummary } from '@meridian/contracts';
import { unlessRefused } from '@meridian/service-kit';
import type { Registry } from './ports.ts';

/** The versions the registry has of a model: none while it does not know the model. */
export async function registeredVersions(
  registry: Pick<Registry, 'versions'>,
  model: string,
): Promise<ModelVersionSummary[]> {
  return (await unlessRefused(registry.versions(model))) ?? [];
}
