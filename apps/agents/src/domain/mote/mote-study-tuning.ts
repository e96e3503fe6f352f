import type { SensorReading } from '@meridian/ml';
import type { MoteAgentOptions } from './mote-options.ts';
import { replayMotes } from './mote-replay.ts';
import { studyFigures } from './mote-study.ts';

/** The small grid the study tunes over: the options the held-out sensitivity moved most, and the half-life. */
export const MOTE_STUDY_GRID: readonly Partial<MoteAgentOptions>[] = Object.freeze(
  [50, 200].flatMap((warmup) =>
    [4, 6].flatMap((defaultThreshold) => [250, 500, 1000].map((halfLife) => ({ warmup, defaultThreshold, halfLife }))),
  ),
);

/**
 * Picks agent options by prequential F1 on the training readings only: each training reading is
 * judged before its label is shown, as it would be live. Held-out readings are replayed too
 * (the agent lives through them) but their labels are never read, so they cannot steer the choice.
 */
export function tuneOnTraining(input: {
  readings: readonly SensorReading[];
  /** Keys of the held-out readings (see heldOutKeys): replayed unlabelled and not scored. */
  heldOut: ReadonlySet<string>;
  grid?: readonly Partial<MoteAgentOptions>[];
}): { options: Partial<MoteAgentOptions>; f1: number; tried: { options: Partial<MoteAgentOptions>; f1: number }[] } {
  const { readings, heldOut } = input;
  const tried = (input.grid ?? MOTE_STUDY_GRID).map((options) => {
    const training = replayMotes({ readings, heldOut, options }).rows.filter((r) => !r.heldOut);
    return { options, f1: studyFigures(training, (r) => r.agent).f1 };
  });
  // Strictly better replaces, so a tie keeps the earlier grid point.
  const best = tried.reduce((a, b) => (b.f1 > a.f1 ? b : a));
  return { ...best, tried };
}
