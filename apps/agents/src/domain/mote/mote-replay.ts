import type { SensorReading } from '@meridian/ml';
import type { MoteAgentOptions } from './mote-options.ts';
import { newMoteState } from './mote-state.ts';
import { type MoteSummary, moteSummary } from './mote-summary.ts';
import { observeReading } from './observe-reading.ts';
import { byMoteInTime, studyKey } from './study-split.ts';

/** The dataset's cadence: a reading every 5 seconds. */
const READING_INTERVAL_MS = 5_000;

export interface ReplayedReading {
  reading: SensorReading;
  heldOut: boolean;
  /** The agent's flag, decided before it saw the reading's label (if it was shown one at all). */
  agent: boolean;
  global: boolean;
  locallyAbnormalOnly: boolean;
}

/**
 * Replays each mote's readings in time order through its own agent, as the stream would.
 * Training readings carry their label (the delayed label) unless `labelsToAgent` is false;
 * held-out readings never do: the agent predicts them and, when it does not flag them, folds
 * them into its baseline as it would live.
 */
export function replayMotes(input: {
  readings: readonly SensorReading[];
  heldOut: ReadonlySet<string>;
  options?: Partial<MoteAgentOptions>;
  labelsToAgent?: boolean;
  /** The global model's verdict on a reading, passed to the agent. */
  globalVerdict?: (r: SensorReading) => boolean;
}): { rows: ReplayedReading[]; summaries: MoteSummary[] } {
  const rows: ReplayedReading[] = [];
  const summaries: MoteSummary[] = [];
  for (const mote of byMoteInTime(input.readings)) {
    let state = newMoteState(mote[0]!.moteId);
    for (const r of mote) {
      const key = studyKey(r);
      const heldOut = input.heldOut.has(key);
      const global = input.globalVerdict?.(r);
      const reading = { key, ts: r.reading * READING_INTERVAL_MS, humidity: r.humidity, temperature: r.temperature };
      const observed = observeReading({
        state,
        reading: heldOut || input.labelsToAgent === false ? reading : { ...reading, label: r.label },
        ...(global === undefined ? {} : { globalVerdict: global }),
        ...(input.options ? { options: input.options } : {}),
      });
      state = observed.state;
      const { anomalous, locally_abnormal_only } = observed.verdict;
      rows.push({
        reading: r,
        heldOut,
        agent: anomalous,
        global: global ?? false,
        locallyAbnormalOnly: locally_abnormal_only,
      });
    }
    summaries.push(moteSummary(state, input.options));
  }
  return { rows, summaries };
}
