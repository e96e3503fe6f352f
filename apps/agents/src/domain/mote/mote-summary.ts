import type { MoteAgentOptions } from './mote-options.ts';
import type { MoteState } from './mote-state.ts';
import { moteThreshold } from './observe-reading.ts';
import { histogramTotal } from './score-histogram.ts';

export interface MoteSummary {
  mote_id: string;
  readings: number;
  baseline: { humidity: { mean: number; std: number }; temperature: { mean: number; std: number } };
  threshold: number;
  /** Labelled readings (after warm-up) the threshold was learned from, per class. */
  labelled: { normal: number; anomalous: number };
  /** Latest reading time (epoch ms), null before the first reading. */
  last_seen_at: number | null;
}

/** "What is normal for mote 7": its baseline, its threshold and what they were learned from. */
export function moteSummary(state: MoteState, options: Partial<MoteAgentOptions> = {}): MoteSummary {
  const stats = (s: MoteState['humidity']) => ({ mean: s.mean, std: Math.sqrt(s.variance) });
  return {
    mote_id: state.mote_id,
    readings: state.readings,
    baseline: { humidity: stats(state.humidity), temperature: stats(state.temperature) },
    threshold: moteThreshold(state, options),
    labelled: { normal: histogramTotal(state.scores.normal), anomalous: histogramTotal(state.scores.anomalous) },
    last_seen_at: state.last_seen_at,
  };
}
