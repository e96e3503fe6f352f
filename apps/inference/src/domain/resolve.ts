import { AppError } from '@meridian/service-kit';
import type { ModelEntry, ModelStore } from './model-store.ts';
import type { ModelVersion } from './model-version.ts';
import { chooseVersion, type Route } from './traffic.ts';

/** The loaded version a request goes to, or 404 naming what is unknown. */
export function resolveVersion(
  store: ModelStore,
  req: { model: string; version?: string | undefined; stickyKey?: string | undefined; noSplit?: boolean },
): { entry: ModelEntry; handle: ModelVersion; route: Route } {
  const entry = store.entry(req.model);
  const champion = entry && store.champion(entry);
  if (!entry || !champion) throw new AppError({ code: 'NOT_FOUND', message: `unknown model ${req.model}` });
  if (req.version !== undefined && !entry.versions.has(req.version)) {
    throw new AppError({
      code: 'NOT_FOUND',
      message: `model ${req.model} has no version ${req.version} loaded (loaded: ${[...entry.versions.keys()].join(', ')})`,
    });
  }
  const route = req.noSplit
    ? {
        version: req.version ?? champion.version,
        reason: req.version !== undefined ? ('explicit' as const) : ('default' as const),
      }
    : chooseVersion({
        traffic: entry.policy.traffic,
        champion: champion.version,
        loaded: new Set(entry.versions.keys()),
        pinned: req.version,
        stickyKey: req.stickyKey,
      });
  return { entry, handle: entry.versions.get(route.version)!, route };
}
