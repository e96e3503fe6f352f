import { describe, expect, it } from 'vitest';
import { MOTE_AGENT_DEFAULTS } from './mote-options.ts';
import { newMoteState } from './mote-state.ts';
import { moteSummary } from './mote-summary.ts';
import { observeReading } from './observe-reading.ts';

describe('moteSummary', () => {
  it('when a mote has not seen a reading, then its summary says so', () => {
    expect(moteSummary(newMoteState(7))).toEqual({
      mote_id: '7',
      readings: 0,
      baseline: { humidity: { mean: 0, std: 0 }, temperature: { mean: 0, std: 0 } },
      threshold: MOTE_AGENT_DEFAULTS.defaultThreshold,
      labelled: { normal: 0, anomalous: 0 },
      last_seen_at: null,
    });
  });

  it('when readings arrived out of order, then it answers what is normal for the mote and the latest time seen', () => {
    let state = newMoteState(7);
    const readings = [
      { key: 'a', ts: 3_000, humidity: 40, temperature: 20, label: 0 as const },
      { key: 'b', ts: 1_000, humidity: 44, temperature: 22 },
    ];
    for (const reading of readings) state = observeReading({ state, reading }).state;
    const summary = moteSummary(state);
    expect(summary.readings).toBe(2);
    expect(summary.baseline.humidity.mean).toBeCloseTo(42, 12);
    expect(summary.baseline.humidity.std).toBeCloseTo(2, 12);
    expect(summary.baseline.temperature).toEqual({ mean: 21, std: 1 });
    // Scores inside the warm-up are not evidence for the threshold.
    expect(summary.labelled).toEqual({ normal: 0, anomalous: 0 });
    expect(summary.last_seen_at).toBe(3_000);
  });
});
