import { binaryMetrics } from '../metrics.ts';

export interface QualityObservation {
  /** A score or a 0/1 decision; positive when >= the threshold. */
  prediction: number;
  label: 0 | 1;
  /** When the label became known, epoch milliseconds; only the time window reads it. */
  at: number;
}

export interface RollingQualityWindow {
  /** Keep at most this many latest observations. */
  maxCount?: number;
  /** Keep only observations newer than (latest time − maxAgeMs). */
  maxAgeMs?: number;
}

export interface RollingQualityState {
  window: RollingQualityWindow;
  /** In arrival order, already trimmed to the window. */
  observations: readonly QualityObservation[];
}

export interface RollingQuality {
  count: number;
  precision: number;
  recall: number;
  f1: number;
}

export function createRollingQuality(window: RollingQualityWindow = {}): RollingQualityState {
  const { maxCount, maxAgeMs } = window;
  if (maxCount !== undefined && !(Number.isInteger(maxCount) && maxCount > 0)) {
    throw new RangeError(`createRollingQuality: maxCount must be a positive integer, got ${maxCount}`);
  }
  if (maxAgeMs !== undefined && !(maxAgeMs > 0))
    throw new RangeError(`createRollingQuality: maxAgeMs must be > 0, got ${maxAgeMs}`);
  return { window: { ...window }, observations: [] };
}

/** A new state with the observation added and the window re-applied; the old state is untouched. */
export function addObservation(state: RollingQualityState, observation: QualityObservation): RollingQualityState {
  if (observation.label !== 0 && observation.label !== 1) throw new Error('addObservation: label must be 0 or 1');
  if (!Number.isFinite(observation.prediction) || !Number.isFinite(observation.at)) {
    throw new Error('addObservation: prediction and at must be finite');
  }
  return { window: state.window, observations: trim([...state.observations, observation], state.window) };
}

/**
 * Precision, recall and F1 over the window. Pass `now` so a quiet stream ages out too
 * (without it the time window ends at the latest observation).
 */
export function rollingQuality(
  state: RollingQualityState,
  options: { now?: number; threshold?: number } = {},
): RollingQuality {
  const { threshold = 0.5 } = options;
  const observations = trim(state.observations, state.window, options.now);
  if (observations.length === 0) return { count: 0, precision: 0, recall: 0, f1: 0 };
  const m = binaryMetrics({
    yTrue: observations.map((o) => o.label),
    scores: observations.map((o) => o.prediction),
    threshold,
  });
  return { count: observations.length, precision: m.precision, recall: m.recall, f1: m.f1 };
}

function trim(
  observations: readonly QualityObservation[],
  window: RollingQualityWindow,
  now?: number,
): QualityObservation[] {
  let kept = [...observations];
  if (window.maxAgeMs !== undefined && kept.length > 0) {
    // Measured from the latest time seen, so late-arriving labels for old predictions still age out.
    const latest = kept.reduce((max, o) => Math.max(max, o.at), now ?? -Infinity);
    kept = kept.filter((o) => o.at > latest - window.maxAgeMs!);
  }
  if (window.maxCount !== undefined && kept.length > window.maxCount) kept = kept.slice(kept.length - window.maxCount);
  return kept;
}
