import { createHash } from 'node:crypto';
import { decayAlpha, foldEw } from './ew-stats.ts';
import { moteAgentOptions } from './mote-options.ts';
import type { MoteAgentOptions } from './mote-options.ts';
import { moteScore, moteZScores } from './mote-score.ts';
import type { MoteReading, MoteState } from './mote-state.ts';
import { addScore, bestHistogramThreshold } from './score-histogram.ts';

export interface MoteVerdict {
  /** The reading's score against the mote's baseline before it; null for a duplicate. */
  score: number | null;
  /** The mote's threshold when the reading arrived (learned from earlier labels only). */
  threshold: number;
  anomalous: boolean;
  /** Anomalous for this mote while the global model (when the caller passed its verdict) called it normal. */
  locally_abnormal_only: boolean;
  /** Still inside the warm-up: scored, never flagged. */
  warming_up: boolean;
  /** The key was observed before: the state is returned unchanged and nothing is flagged. */
  duplicate: boolean;
}

export interface ObserveReadingInput {
  state: MoteState;
  reading: MoteReading;
  /** The global sensor-anomaly model's verdict on the same reading (true = anomalous), if known. */
  globalVerdict?: boolean;
  options?: Partial<MoteAgentOptions>;
}

/** The mote's threshold now: learned from labelled scores once it has both classes, else the default. */
export function moteThreshold(state: MoteState, options: Partial<MoteAgentOptions> = {}): number {
  return bestHistogramThreshold(state.scores) ?? moteAgentOptions(options).defaultThreshold;
}

/**
 * 52 bits of the key's sha256 as a safe integer: a 200-character id costs 16 digits, comparing
 * numbers is cheap, and a false duplicate among a few hundred keys has odds of about 1e-11.
 */
export function keyFingerprint(key: string): number {
  return Number.parseInt(createHash('sha256').update(key).digest('hex').slice(0, 13), 16);
}

/**
 * Scores a reading against its mote's baseline, then learns from it. A labelled reading adds
 * its score to its class's histogram; a normal one (labelled, or unlabelled and not flagged)
 * is folded into the baseline, so an anomaly does not become the new normal. Unlabelled
 * flagged readings are folded anyway after `relearnAfter` in a row: the mote's normal moved.
 */
export function observeReading(input: ObserveReadingInput): { state: MoteState; verdict: MoteVerdict } {
  const { state, reading, globalVerdict } = input;
  const options = moteAgentOptions(input.options);
  for (const field of ['ts', 'humidity', 'temperature'] as const) {
    if (!Number.isFinite(reading[field])) throw new RangeError(`mote reading ${field} must be finite`);
  }
  const threshold = bestHistogramThreshold(state.scores) ?? options.defaultThreshold;
  const warmingUp = state.folded < options.warmup;
  const fingerprint = keyFingerprint(reading.key);
  if (state.recent_keys.includes(fingerprint)) {
    const verdict = { score: null, threshold, anomalous: false, locally_abnormal_only: false };
    return { state, verdict: { ...verdict, warming_up: warmingUp, duplicate: true } };
  }

  const score = moteScore(moteZScores({ state, reading, stdFloor: options.stdFloor }));
  const anomalous = !warmingUp && score >= threshold;
  const unlabelled = reading.label === undefined;
  // A labelled anomaly neither extends nor breaks a run: it is known, not a sign the normal moved.
  const flaggedInRow =
    reading.label === 1 ? state.flagged_in_row : unlabelled && anomalous ? state.flagged_in_row + 1 : 0;
  const fold = reading.label === 0 || (unlabelled && (!anomalous || flaggedInRow >= options.relearnAfter));
  const next: MoteState = {
    ...state,
    readings: state.readings + 1,
    flagged_in_row: flaggedInRow,
    recent_keys: [...state.recent_keys, fingerprint].slice(-options.recentKeys),
    last_seen_at: Math.max(state.last_seen_at ?? reading.ts, reading.ts),
  };
  if (reading.label !== undefined && !warmingUp) {
    const cls = reading.label === 1 ? 'anomalous' : 'normal';
    next.scores = { ...state.scores, [cls]: addScore(state.scores[cls], score) };
  }
  if (fold) {
    const alpha = decayAlpha(options.halfLife);
    const count = state.folded + 1;
    next.folded = count;
    next.humidity = foldEw({ stats: state.humidity, x: reading.humidity, count, alpha });
    next.temperature = foldEw({ stats: state.temperature, x: reading.temperature, count, alpha });
  }
  const verdict = { score, threshold, anomalous, locally_abnormal_only: anomalous && globalVerdict === false };
  return { state: next, verdict: { ...verdict, warming_up: warmingUp, duplicate: false } };
}
