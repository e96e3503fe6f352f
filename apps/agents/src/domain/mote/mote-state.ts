import { z } from 'zod';
import { EwStats } from './ew-stats.ts';
import { ScoreHistogram, emptyHistogram } from './score-histogram.ts';

/** One reading of one mote as the agent sees it; `label` is the delayed label of a labelled replay. */
export const MoteReading = z.object({
  /** The ingestion idempotency key: the same record always has the same key. */
  key: z.string().min(1),
  /** The reading's own time (epoch ms). */
  ts: z.number().finite(),
  humidity: z.number().finite(),
  temperature: z.number().finite(),
  label: z.union([z.literal(0), z.literal(1)]).optional(),
});
export type MoteReading = z.infer<typeof MoteReading>;

/**
 * Everything one mote agent keeps, in one actor state key. Bounded: two features, two fixed
 * histograms and at most `recentKeys` key fingerprints of up to 16 digits (about 17 kB at 1000).
 */
export const MoteState = z.object({
  version: z.literal(1),
  mote_id: z.string(),
  /** Distinct readings observed (duplicates excluded). */
  readings: z.number().int().nonnegative(),
  /** Readings folded into the baseline: the weight of the running mean starts from these. */
  folded: z.number().int().nonnegative(),
  humidity: EwStats,
  temperature: EwStats,
  /** Unlabelled readings flagged (and so kept out of the baseline) in a row. */
  flagged_in_row: z.number().int().nonnegative(),
  /** Scores of labelled readings seen after warm-up, per class: what the threshold is learned from. */
  scores: z.object({ normal: ScoreHistogram, anomalous: ScoreHistogram }),
  /** Fingerprints (keyFingerprint) of the latest reading keys, oldest first. */
  recent_keys: z.array(z.number().int().nonnegative()),
  /** Latest reading time seen (epoch ms); null before the first reading. */
  last_seen_at: z.number().nullable(),
});
export type MoteState = z.infer<typeof MoteState>;

export function newMoteState(moteId: string | number): MoteState {
  return {
    version: 1,
    mote_id: String(moteId),
    readings: 0,
    folded: 0,
    humidity: { mean: 0, variance: 0 },
    temperature: { mean: 0, variance: 0 },
    flagged_in_row: 0,
    scores: { normal: emptyHistogram(), anomalous: emptyHistogram() },
    recent_keys: [],
    last_seen_at: null,
  };
}
