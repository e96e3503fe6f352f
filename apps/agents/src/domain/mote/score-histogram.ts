import { z } from 'zod';

/**
 * Threshold candidates: 41 edges from 0.5 to 512, each 2^(1/4) (about 19 %) above the previous,
 * wide enough for z-like scores of a quiet mote and of a hot, wet burst. Bin 0 holds scores below
 * the first edge and the last bin scores at or above the last one.
 */
export const SCORE_EDGES: readonly number[] = Object.freeze(Array.from({ length: 41 }, (_, k) => 0.5 * 2 ** (k / 4)));

/** Counts of scores per bin for one label class: fixed size, so it is bounded however long the mote runs. */
export const ScoreHistogram = z.array(z.number().int().nonnegative()).length(SCORE_EDGES.length + 1);
export type ScoreHistogram = z.infer<typeof ScoreHistogram>;

export function emptyHistogram(): ScoreHistogram {
  return new Array<number>(SCORE_EDGES.length + 1).fill(0);
}

export function scoreBin(score: number): number {
  let bin = 0;
  while (bin < SCORE_EDGES.length && score >= SCORE_EDGES[bin]!) bin++;
  return bin;
}

export function addScore(histogram: ScoreHistogram, score: number): ScoreHistogram {
  const next = [...histogram];
  next[scoreBin(score)]! += 1;
  return next;
}

export function histogramTotal(histogram: ScoreHistogram): number {
  return histogram.reduce((sum, n) => sum + n, 0);
}

/**
 * The edge that maximises F1 when predicting anomalous at score >= edge, over the labelled
 * scores seen. Adjacent edges tied at the best F1 form a range of equally good thresholds; the
 * middle of the widest such range (geometrically) is taken, so a threshold learned from a clean gap between the classes
 * sits in the gap rather than against the lowest anomaly seen. Undefined without both classes
 * (or when no edge catches any anomaly).
 */
export function bestHistogramThreshold(options: {
  normal: ScoreHistogram;
  anomalous: ScoreHistogram;
}): number | undefined {
  const { normal, anomalous } = options;
  const positives = histogramTotal(anomalous);
  if (positives === 0 || histogramTotal(normal) === 0) return undefined;
  // At edge k, predicted anomalous = bins k+1.. (bin k+1 starts at edge k).
  let tp = 0;
  let fp = 0;
  const f1s: number[] = new Array(SCORE_EDGES.length);
  for (let k = SCORE_EDGES.length - 1; k >= 0; k--) {
    tp += anomalous[k + 1]!;
    fp += normal[k + 1]!;
    f1s[k] = (2 * tp) / (tp + fp + positives);
  }
  const best = Math.max(...f1s);
  // No edge catches a single labelled anomaly: the labels say nothing about where to cut.
  if (best === 0) return undefined;
  // Widest run of adjacent best edges; among equally wide runs the highest (fewer alarms).
  let run = { from: 0, to: -1 };
  for (let k = 0; k < f1s.length; k++) {
    if (f1s[k] !== best) continue;
    let to = k;
    while (to + 1 < f1s.length && f1s[to + 1] === best) to++;
    if (to - k >= run.to - run.from) run = { from: k, to };
    k = to;
  }
  return 0.5 * 2 ** ((run.from + run.to) / 8);
}
