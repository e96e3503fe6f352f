import type { PredictionEvent } from '@meridian/contracts';
import type { References } from '../adapters/references.ts';

interface GroupCounts {
  count: number;
  positives: number;
}

export interface LiveFairness {
  groups: Record<string, { count: number; selection_rate: number }>;
  privileged: string;
  demographic_parity_difference: number | null;
  disparate_impact_ratio: number | null;
  /** Needs labels joined to these predictions; not computed from traffic alone. */
  equal_opportunity_difference: null;
}

/** Selection rates of unprivileged groups (pooled) against the privileged group. */
export function liveFairness(groups: Record<string, GroupCounts>, privileged: string): LiveFairness {
  const rate = (g?: GroupCounts) => (g && g.count ? g.positives / g.count : null);
  const pooled = Object.entries(groups).filter(([name]) => name !== privileged).reduce((a, [, g]) => ({ count: a.count + g.count, positives: a.positives + g.positives }), { count: 0, positives: 0 });
  const priv = rate(groups[privileged]);
  const unpriv = rate(pooled);
  return {
    groups: Object.fromEntries(Object.entries(groups).map(([name, g]) => [name, { count: g.count, selection_rate: g.positives / g.count }])),
    privileged,
    demographic_parity_difference: priv !== null && unpriv !== null ? unpriv - priv : null,
    disparate_impact_ratio: priv && unpriv !== null ? unpriv / priv : null,
    equal_opportunity_difference: null,
  };
}

/**
 * Bias of a model: the held-out fairness report stored in its registry card
 * (demographic parity, equal opportunity, disparate impact per protected
 * attribute), and the same selection-rate metrics on live traffic whose
 * requests carry protected attributes.
 */
export class BiasMonitor {
  private readonly live = new Map<string, { version: string; threshold: number; byAttribute: Record<string, Record<string, GroupCounts>> }>();

  constructor(private readonly opts: { references: References }) {}

  observe(event: PredictionEvent): void {
    if (!event.protected) return;
    const scores = (Object.values(event.outputs)[0] ?? []).map(Number);
    const threshold = event.threshold ?? 0.5;
    let m = this.live.get(event.model);
    if (!m || m.version !== event.version) {
      m = { version: event.version, threshold, byAttribute: {} };
      this.live.set(event.model, m);
    }
    for (const [attribute, values] of Object.entries(event.protected)) {
      const groups = (m.byAttribute[attribute] ??= {});
      values.forEach((group, i) => {
        const g = (groups[group] ??= { count: 0, positives: 0 });
        g.count += 1;
        if ((scores[i] ?? 0) >= threshold) g.positives += 1;
      });
    }
  }

  async report(model: string): Promise<Record<string, unknown> | undefined> {
    const version = this.live.get(model)?.version ?? (await this.opts.references.production(model));
    if (!version) return undefined;
    const card = await this.opts.references.card(model, version);
    const heldOut = card?.fairness as Record<string, unknown> | undefined;
    if (!heldOut) return undefined;
    const privileged = ((card?.params as { protected_attributes?: Record<string, { privileged: string }> })?.protected_attributes) ?? {};
    const live = this.live.get(model);
    return {
      model,
      version,
      held_out: heldOut,
      live: live ? Object.fromEntries(Object.entries(live.byAttribute).map(([attr, groups]) => [attr, liveFairness(groups, privileged[attr]?.privileged ?? '')])) : {},
    };
  }
}
