import { describe, expect, it } from 'vitest';
import { addObservation, createRollingQuality, rollingQuality } from './rolling-quality.ts';
import type { QualityObservation, RollingQualityState } from './rolling-quality.ts';

const feed = (state: RollingQualityState, observations: QualityObservation[]): RollingQualityState =>
  observations.reduce(addObservation, state);

describe('rollingQuality', () => {
  it('when more than maxCount pairs arrive, then only the latest maxCount are scored', () => {
    const state = feed(createRollingQuality({ maxCount: 3 }), [
      { prediction: 1, label: 1, at: 0 },
      { prediction: 1, label: 0, at: 1 },
      { prediction: 0, label: 1, at: 2 },
      { prediction: 1, label: 1, at: 3 },
    ]);
    // Kept: one true positive, one false positive, one false negative.
    expect(rollingQuality(state)).toEqual({ count: 3, precision: 0.5, recall: 0.5, f1: 0.5 });
  });

  it('when pairs are older than maxAgeMs, then they leave the window, and `now` ages a quiet stream', () => {
    const state = feed(createRollingQuality({ maxAgeMs: 1000 }), [
      { prediction: 1, label: 0, at: 0 },
      { prediction: 1, label: 1, at: 500 },
      { prediction: 0, label: 1, at: 1200 },
    ]);
    expect(state.observations.map((o) => o.at)).toEqual([500, 1200]);
    expect(rollingQuality(state)).toEqual({ count: 2, precision: 1, recall: 0.5, f1: 2 / 3 });
    expect(rollingQuality(state, { now: 1600 })).toEqual({ count: 1, precision: 0, recall: 0, f1: 0 });
  });

  it('when predictions are scores, then the threshold decides', () => {
    const state = feed(createRollingQuality(), [
      { prediction: 0.9, label: 1, at: 0 },
      { prediction: 0.4, label: 1, at: 0 },
      { prediction: 0.2, label: 0, at: 0 },
    ]);
    expect(rollingQuality(state).recall).toBe(0.5);
    expect(rollingQuality(state, { threshold: 0.3 }).recall).toBe(1);
  });

  it('when a pair is added, then the earlier state is left as it was', () => {
    const empty = createRollingQuality({ maxCount: 2 });
    const one = addObservation(empty, { prediction: 1, label: 1, at: 0 });
    expect(empty.observations).toEqual([]);
    expect(rollingQuality(empty)).toEqual({ count: 0, precision: 0, recall: 0, f1: 0 });
    expect(rollingQuality(one)).toEqual({ count: 1, precision: 1, recall: 1, f1: 1 });
  });

  it('when the window or a pair is invalid, then it refuses', () => {
    expect(() => createRollingQuality({ maxCount: 0 })).toThrow(/maxCount/);
    expect(() => createRollingQuality({ maxAgeMs: -1 })).toThrow(/maxAgeMs/);
    expect(() => addObservation(createRollingQuality(), { prediction: Number.NaN, label: 1, at: 0 })).toThrow(/finite/);
  });
});
