import { zScore } from './ew-stats.ts';
import type { MoteState } from './mote-state.ts';

/** The mote's own z-scores of a reading against its baseline (before the reading is folded in). */
export function moteZScores(options: {
  state: MoteState;
  reading: { humidity: number; temperature: number };
  stdFloor: number;
}): { humidity: number; temperature: number } {
  const { state, reading, stdFloor } = options;
  return {
    humidity: zScore({ stats: state.humidity, x: reading.humidity, stdFloor }),
    temperature: zScore({ stats: state.temperature, x: reading.temperature, stdFloor }),
  };
}

/**
 * Euclidean length of the z-scores: a diagonal Mahalanobis distance, so a reading a little off
 * on both features scores above one off on a single feature by the same amount.
 */
export function moteScore(z: { humidity: number; temperature: number }): number {
  return Math.hypot(z.humidity, z.temperature);
}
