import { binaryMetrics, loadSensorReadings } from '@meridian/ml';
import type { SensorReading } from '@meridian/ml';
import { fitGlobalModel } from './global-model.ts';
import type { MoteAgentOptions } from './mote-options.ts';
import { type ReplayedReading, replayMotes } from './mote-replay.ts';
import type { MoteSummary } from './mote-summary.ts';
import { type StudySplit, heldOutKeys, studyKey } from './study-split.ts';

export interface StudyFigures {
  precision: number;
  recall: number;
  f1: number;
  confusion: { tp: number; fp: number; tn: number; fn: number };
}

export interface MoteStudyInput {
  split: StudySplit;
  options?: Partial<MoteAgentOptions>;
  /** false: the agent never sees a label (an ablation: how much the learned thresholds add). */
  labelsToAgent?: boolean;
  /** Defaults to the whole dataset. */
  readings?: readonly SensorReading[];
}

export interface MoteStudyResult {
  split: StudySplit;
  train: { readings: number; anomalies: number; keys: string[] };
  heldOut: { readings: number; anomalies: number; keys: string[] };
  /** (a) the per-mote agents, (b) the global model refitted on the training readings, (c) either flags. */
  agent: StudyFigures;
  global: StudyFigures & { threshold: number };
  either: StudyFigures;
  /** Held-out readings the agent flagged while the global model called them normal, and how many were anomalies. */
  locallyAbnormalOnly: { flagged: number; anomalies: number };
  perMote: { mote_id: string; heldOut: number; anomalies: number; agent: StudyFigures; global: StudyFigures }[];
  summaries: MoteSummary[];
}

/**
 * Held-out precision/recall of the per-mote agents against the global sensor-anomaly model on
 * the same readings. The global model is fitted on the training readings only and judges the
 * held-out readings with its own threshold; the agents replay every reading in time order and
 * see the labels of training readings only.
 */
export function runMoteStudy(input: MoteStudyInput = { split: { kind: 'global' } }): MoteStudyResult {
  const readings = input.readings ?? loadSensorReadings();
  const held = heldOutKeys(readings, input.split);
  const train = readings.filter((r) => !held.has(studyKey(r)));
  const global = fitGlobalModel(train);
  const { rows, summaries } = replayMotes({
    readings,
    heldOut: held,
    globalVerdict: (r) => global.probability(r) >= global.threshold,
    ...(input.options ? { options: input.options } : {}),
    ...(input.labelsToAgent === undefined ? {} : { labelsToAgent: input.labelsToAgent }),
  });
  const heldRows = rows.filter((r) => r.heldOut);
  const locally = heldRows.filter((r) => r.locallyAbnormalOnly);
  return {
    split: input.split,
    train: { readings: train.length, anomalies: anomalies(train), keys: train.map(studyKey) },
    heldOut: {
      readings: heldRows.length,
      anomalies: anomalies(heldRows.map((r) => r.reading)),
      keys: heldRows.map((r) => studyKey(r.reading)),
    },
    agent: studyFigures(heldRows, (r) => r.agent),
    global: { ...studyFigures(heldRows, (r) => r.global), threshold: global.threshold },
    either: studyFigures(heldRows, (r) => r.agent || r.global),
    locallyAbnormalOnly: { flagged: locally.length, anomalies: anomalies(locally.map((r) => r.reading)) },
    perMote: summaries.map((s) => {
      const mine = heldRows.filter((r) => String(r.reading.moteId) === s.mote_id);
      return {
        mote_id: s.mote_id,
        heldOut: mine.length,
        anomalies: anomalies(mine.map((r) => r.reading)),
        agent: studyFigures(mine, (r) => r.agent),
        global: studyFigures(mine, (r) => r.global),
      };
    }),
    summaries,
  };
}

export function studyFigures(
  rows: readonly ReplayedReading[],
  flagged: (row: ReplayedReading) => boolean,
): StudyFigures {
  const yTrue = rows.map((r) => r.reading.label);
  const m = binaryMetrics({ yTrue, scores: rows.map((r) => (flagged(r) ? 1 : 0)), threshold: 1 });
  return { precision: m.precision, recall: m.recall, f1: m.f1, confusion: m.confusion };
}

function anomalies(rows: readonly SensorReading[]): number {
  return rows.filter((r) => r.label === 1).length;
}
