import { describe, expect, it } from 'vitest';
import { MOTE_AGENT_DEFAULTS } from './mote-options.ts';
import { MoteState, newMoteState } from './mote-state.ts';
import { observeReading } from './observe-reading.ts';

type Input = { humidity?: number; temperature?: number; label?: 0 | 1; key?: string };

/** A quiet mote: humidity 45 ± 0.5, temperature 27 ± 0.2, alternating so the baseline has spread. */
const quiet = (i: number, extra: Input = {}) => ({
  key: `r${i}`,
  ts: 1_000 * i,
  humidity: 45 + (i % 2 === 0 ? 0.5 : -0.5),
  temperature: 27 + (i % 2 === 0 ? 0.2 : -0.2),
  ...extra,
});

function replay(count: number, label?: 0): MoteState {
  let state = newMoteState(7);
  for (let i = 0; i < count; i++) {
    state = observeReading({ state, reading: quiet(i, label === undefined ? {} : { label }) }).state;
  }
  return state;
}

describe('observeReading', () => {
  it('when the mote is still warming up, then even a wild reading is scored but not flagged', () => {
    const { verdict } = observeReading({ state: replay(10), reading: quiet(10, { humidity: 90 }) });
    expect(verdict.warming_up).toBe(true);
    expect(verdict.score).toBeGreaterThan(10);
    expect(verdict.anomalous).toBe(false);
  });

  it('when a warmed-up mote gets a hot, wet burst, then it is flagged against the baseline before it', () => {
    const state = replay(100);
    const { verdict, state: next } = observeReading({ state, reading: quiet(100, { humidity: 80, temperature: 35 }) });
    expect(verdict.anomalous).toBe(true);
    expect(verdict.score).toBeGreaterThan(50);
    expect(verdict.threshold).toBe(MOTE_AGENT_DEFAULTS.defaultThreshold);
    // Flagged and unlabelled: it does not move what is normal for the mote.
    expect(next.humidity).toEqual(state.humidity);
  });

  it('when a reading is ordinary for the mote, then it is not flagged and is folded into the baseline', () => {
    const state = replay(100);
    const { verdict, state: next } = observeReading({ state, reading: quiet(100, { humidity: 45.2 }) });
    expect(verdict.anomalous).toBe(false);
    expect(next.folded).toBe(state.folded + 1);
  });

  it('when the same key arrives twice, then the second changes nothing and is reported as a duplicate', () => {
    const state = replay(100);
    const first = observeReading({ state, reading: quiet(100, { humidity: 46, label: 0 }) });
    const again = observeReading({ state: first.state, reading: quiet(100, { humidity: 46, label: 0 }) });
    expect(again.verdict).toMatchObject({ duplicate: true, score: null, anomalous: false });
    expect(again.state).toEqual(first.state);
  });

  it('when more keys than the ring holds pass, then the ring keeps only the latest and stays bounded', () => {
    const state = replay(MOTE_AGENT_DEFAULTS.recentKeys + 40);
    expect(state.recent_keys).toHaveLength(MOTE_AGENT_DEFAULTS.recentKeys);
    const oldest = observeReading({ state, reading: quiet(0) });
    const newest = observeReading({ state, reading: quiet(MOTE_AGENT_DEFAULTS.recentKeys + 39) });
    expect(oldest.verdict.duplicate).toBe(false);
    expect(newest.verdict.duplicate).toBe(true);
  });

  it('when labelled readings of both classes arrive, then the mote learns its own threshold between them', () => {
    let state = replay(100, 0);
    for (let i = 100; i < 110; i++) {
      state = observeReading({ state, reading: quiet(i, { humidity: 60, label: 1 }) }).state;
    }
    const { verdict } = observeReading({ state, reading: quiet(110) });
    expect(verdict.threshold).not.toBe(MOTE_AGENT_DEFAULTS.defaultThreshold);
    expect(verdict.threshold).toBeGreaterThan(1.5);
    expect(verdict.threshold).toBeLessThan(30);
  });

  it('when a labelled anomaly arrives, then the baseline ignores it', () => {
    const state = replay(100, 0);
    const { state: next } = observeReading({ state, reading: quiet(100, { humidity: 60, label: 1 }) });
    expect(next.humidity).toEqual(state.humidity);
    expect(next.scores.anomalous.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('when the global model called the reading normal but the mote flags it, then it is locally abnormal only', () => {
    const state = replay(100);
    const reading = quiet(100, { humidity: 80 });
    expect(observeReading({ state, reading, globalVerdict: false }).verdict.locally_abnormal_only).toBe(true);
    expect(observeReading({ state, reading, globalVerdict: true }).verdict.locally_abnormal_only).toBe(false);
    expect(observeReading({ state, reading }).verdict.locally_abnormal_only).toBe(false);
  });

  it('when the mote stays at a new level past relearnAfter readings, then the baseline moves to it', () => {
    const options = { relearnAfter: 20 };
    let state = replay(100);
    const flags: boolean[] = [];
    for (let i = 100; i < 400; i++) {
      const observed = observeReading({ state, reading: quiet(i, { humidity: 55 + (i % 2) }), options });
      flags.push(observed.verdict.anomalous);
      state = observed.state;
    }
    expect(flags.slice(0, 20).every(Boolean)).toBe(true);
    expect(flags.at(-1)).toBe(false);
    expect(state.humidity.mean).toBeGreaterThan(50);
  });

  it('when a mote has seen thousands of readings, then its state round-trips through JSON and stays under 20 kB', () => {
    const state = replay(5_000, 0);
    const json = JSON.stringify(state);
    expect(new TextEncoder().encode(json).length).toBeLessThan(20_000);
    expect(MoteState.parse(JSON.parse(json))).toEqual(state);
  });

  it('when a reading is not a finite number, then it is refused instead of poisoning the state', () => {
    expect(() => observeReading({ state: replay(3), reading: quiet(3, { humidity: Number.NaN }) })).toThrow(RangeError);
  });

  it('when an option is not positive, then it is refused', () => {
    expect(() => observeReading({ state: replay(3), reading: quiet(3), options: { halfLife: 0 } })).toThrow(RangeError);
  });
});
