import type { ModelPolicy } from '@meridian/contracts';

export interface TrafficSplit {
  /** The version answering unpinned traffic; undefined: the highest loaded one. */
  champion: string | undefined;
  championPercent: number;
  canary?: { version: string; percent: number };
  shadow?: string;
  /** A/B weights as shares of 100 when the policy splits that way. */
  ab?: { version: string; percent: number }[];
}

/** How a model's policy divides its traffic between champion, canary and shadow (mirrored, not answering). */
export function trafficSplit(policy: ModelPolicy, productionVersion?: string): TrafficSplit {
  const canary = policy.traffic?.canary;
  const abVersions = policy.traffic?.ab?.versions;
  const abTotal = Object.values(abVersions ?? {}).reduce((a, b) => a + b, 0);
  return {
    champion: policy.default_version ?? productionVersion,
    championPercent: 100 - (canary?.percent ?? 0),
    ...(canary ? { canary: { version: canary.version, percent: canary.percent } } : {}),
    ...(policy.traffic?.shadow ? { shadow: policy.traffic.shadow.version } : {}),
    ...(abVersions && abTotal > 0
      ? {
          ab: Object.entries(abVersions).map(([version, w]) => ({ version, percent: (w / abTotal) * 100 })),
        }
      : {}),
  };
}

const pct = (n: number) => `${Number(n.toFixed(1))} %`;

export function describeSplit(split: TrafficSplit): string {
  if (split.ab) return `A/B ${split.ab.map((a) => `v${a.version} ${pct(a.percent)}`).join(' · ')}`;
  const parts = [
    `champion ${split.champion ? `v${split.champion}` : '(highest loaded)'} ${pct(split.championPercent)}`,
  ];
  if (split.canary) parts.push(`canary v${split.canary.version} ${pct(split.canary.percent)}`);
  if (split.shadow) parts.push(`shadow v${split.shadow} (mirrored)`);
  return parts.join(' · ');
}
