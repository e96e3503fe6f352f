import type { PredictionEvent } from '@meridian/contracts';
import { fairnessFromCounts, type ConfusionCounts, type FairnessReport } from '@meridian/ml';
import type { LabelQuality } from './label-quality.ts';
import type { ModelCards } from './ports.ts';

interface GroupCounts {
  count: number;
  positives: number;
}

export interface LiveFairness {
  groups: Record<string, { count: number; selection_rate: number }>;
  privileged: string;
  /** Selection rates on all traffic that carried the attribute. */
  demographic_parity_difference: number | null;
  disparate_impact_ratio: number | null;
  /** TPR gap on the predictions labels have been joined to; null until both sides have labelled positives. */
  equal_opportunity_difference: number | null;
  /** All three metrics (and per-group rates) on the labelled predictions alone; null until both sides have some. */
  labelled: FairnessReport | null;
}

/** The labelled report, or null where it is not defined yet (no privileged or no unprivileged labels). */
function labelledFairness(
  counts: Record<string, ConfusionCounts> | undefined,
  privileged: string,
): FairnessReport | null {
  const present = Object.entries(counts ?? {})
    .filter(([, c]) => c.tp + c.fp + c.fn + c.tn > 0)
    .map(([g]) => g);
  if (!present.includes(privileged) || present.length < 2) return null;
  return fairnessFromCounts(counts!, privileged);
}

/**
 * Selection rates of unprivileged groups (pooled) against the privileged
 * group on traffic, and the equal-opportunity gap on the labelled part of it.
 */
export function liveFairness(
  groups: Record<string, GroupCounts>,
  privileged: string,
  labelled?: Record<string, ConfusionCounts>,
): LiveFairness {
  const rate = (g?: GroupCounts) => (g?.count ? g.positives / g.count : null);
  const pooled = Object.entries(groups)
    .filter(([name]) => name !== privileged)
    .reduce((a, [, g]) => ({ count: a.count + g.count, positives: a.positives + g.positives }), {
      count: 0,
      positives: 0,
    });
  const priv = rate(groups[privileged]);
  const unpriv = rate(pooled);
  const withLabels = labelledFairness(labelled, privileged);
  return {
    groups: Object.fromEntries(
      Object.entries(groups).map(([name, g]) => [name, { count: g.count, selection_rate: g.positives / g.count }]),
    ),
    privileged,
    demographic_parity_difference: priv !== null && unpriv !== null ? unpriv - priv : null,
    disparate_impact_ratio: priv && unpriv !== null ? unpriv / priv : null,
    equal_opportunity_difference: withLabels?.equal_opportunity_difference ?? null,
    labelled: withLabels,
  };
}

/**
 * Bias of a model: the held-out fairness report stored in its registry card
 * (demographic parity, equal opportunity, disparate impact per protected
 * attribute), the selection-rate metrics on live traffic whose requests
 * carry protected attributes, and the equal-opportunity gap once labels
 * are joined to those predictions (kept by LabelQuality, in the state store).
 */
export class BiasMonitor {
  private readonly live = new Map<
    string,
    { version: string; threshold: number; byAttribute: Record<string, Record<string, GroupCounts>> }
  >();

  constructor(
    private readonly opts: { cards: Pick<ModelCards, 'card' | 'production'>; labels: Pick<LabelQuality, 'groups'> },
  ) {}

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
      m.byAttribute[attribute] ??= {};
      const groups = m.byAttribute[attribute]!;
      values.forEach((group, i) => {
        groups[group] ??= { count: 0, positives: 0 };
        const g = groups[group]!;
        g.count += 1;
        if ((scores[i] ?? 0) >= threshold) g.positives += 1;
      });
    }
  }

  async report(model: string): Promise<Record<string, unknown> | undefined> {
    const version = this.live.get(model)?.version ?? (await this.opts.cards.production(model));
    if (!version) return undefined;
    const card = await this.opts.cards.card(model, version);
    const heldOut = card?.fairness as Record<string, unknown> | undefined;
    if (!heldOut) return undefined;
    const privileged =
      (card?.params as { protected_attributes?: Record<string, { privileged: string }> })?.protected_attributes ?? {};
    const traffic = this.live.get(model)?.version === version ? this.live.get(model)!.byAttribute : {};
    const labelled = await this.opts.labels.groups(model, version);
    const attributes = [...new Set([...Object.keys(traffic), ...Object.keys(labelled)])].sort();
    return {
      model,
      version,
      held_out: heldOut,
      live: Object.fromEntries(
        attributes.map((attr) => [
          attr,
          liveFairness(traffic[attr] ?? {}, privileged[attr]?.privileged ?? '', labelled[attr]),
        ]),
      ),
    };
  }
}
