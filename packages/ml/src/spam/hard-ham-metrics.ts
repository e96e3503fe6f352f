import { HARD_HAM_GROUP } from './spam-data.ts';
import type { SpamMail } from './spam-data.ts';

export interface HardHamMetrics {
  rows: number;
  falsePositives: number;
  falsePositiveRate: number;
}

/** Share of hard-ham mails flagged as spam: the false alarms a user would actually notice. */
export function hardHamMetrics(options: {
  mails: readonly SpamMail[];
  scores: readonly number[];
  threshold: number;
}): HardHamMetrics {
  const { mails, scores, threshold } = options;
  if (mails.length !== scores.length)
    throw new Error(`hardHamMetrics: ${mails.length} mails but ${scores.length} scores`);
  const hard = mails.flatMap((m, i) => (m.group === HARD_HAM_GROUP ? [scores[i]!] : []));
  const falsePositives = hard.filter((s) => s >= threshold).length;
  return { rows: hard.length, falsePositives, falsePositiveRate: hard.length === 0 ? 0 : falsePositives / hard.length };
}
