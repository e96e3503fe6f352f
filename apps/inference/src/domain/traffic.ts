import { hash } from 'node:crypto';
import type { TrafficPolicy } from '@meridian/contracts';

export interface Route {
  version: string;
  reason: 'explicit' | 'default' | 'canary' | 'ab';
  shadow?: string;
}

/** A number in [0, 1) fixed for a key, so one user always lands on the same side. */
export function stickyFraction(key: string): number {
  return hash('sha256', key, 'buffer').readUInt32BE(0) / 2 ** 32;
}

function weighted(weights: [string, number][], at: number): string | undefined {
  const total = weights.reduce((s, [, w]) => s + w, 0);
  let acc = 0;
  for (const [version, w] of weights) {
    acc += w / total;
    if (at < acc) return version;
  }
  return weights.at(-1)?.[0];
}

/**
 * Chooses the version that answers a request. A pinned version wins; then
 * an A/B split (sticky by key when one is given), then a canary share; the
 * rest goes to the champion. Versions that are not loaded are ignored, so a
 * policy never routes traffic into a 404.
 */
export function chooseVersion(opts: {
  traffic: TrafficPolicy;
  champion: string;
  loaded: ReadonlySet<string>;
  pinned?: string | undefined;
  stickyKey?: string | undefined;
  random?: () => number;
}): Route {
  const random = opts.random ?? Math.random;
  const { traffic, loaded } = opts;
  const shadowVersion = traffic.shadow && loaded.has(traffic.shadow.version) ? traffic.shadow.version : undefined;
  const withShadow = (r: Route): Route =>
    shadowVersion && shadowVersion !== r.version ? { ...r, shadow: shadowVersion } : r;
  if (opts.pinned !== undefined) return { version: opts.pinned, reason: 'explicit' };
  if (traffic.ab) {
    const weights = Object.entries(traffic.ab.versions).filter(([v]) => loaded.has(v));
    const at = opts.stickyKey !== undefined ? stickyFraction(opts.stickyKey) : random();
    const version = weighted(weights, at);
    if (version) return withShadow({ version, reason: 'ab' });
  }
  if (traffic.canary && loaded.has(traffic.canary.version) && random() * 100 < traffic.canary.percent) {
    return withShadow({ version: traffic.canary.version, reason: 'canary' });
  }
  return withShadow({ version: opts.champion, reason: 'default' });
}
