/**
 * Go's garbage collector settings for every daprd we start or deploy. By default (GOGC=100) it
 * runs whenever the heap has doubled; daprd allocates for every request and message, and the
 * collector showed in every daprd profile on two cores. At 400 it runs about a quarter as
 * often, for a larger heap (docs/performance.md has the figures). Where the sidecar has a
 * memory limit (Kubernetes), GOMEMLIMIT at 90 % of it makes the collector run harder before the
 * limit instead of the pod being killed.
 */
export const DAPRD_GOGC = '400';

const UNITS: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024 };

/** The environment for a daprd: GOGC, and GOMEMLIMIT from a Kubernetes memory limit ("512Mi", "2Gi"). */
export function daprdGoEnv(memoryLimit?: string): Record<string, string> {
  if (memoryLimit === undefined) return { GOGC: DAPRD_GOGC };
  const m = /^(\d+)(Ki|Mi|Gi)$/.exec(memoryLimit);
  if (!m) throw new Error(`sidecar memory limit "${memoryLimit}": expected a whole number of Ki, Mi or Gi`);
  const mib = Math.floor(Number(m[1]) * UNITS[m[2]!]! * 0.9);
  return { GOGC: DAPRD_GOGC, GOMEMLIMIT: `${mib}MiB` };
}
