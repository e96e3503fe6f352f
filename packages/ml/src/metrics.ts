export interface ConfusionMatrix {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface BinaryMetrics {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** NaN when only one class is present: the ranking question has no answer. */
  rocAuc: number;
  /** Average precision; NaN when there are no positives. */
  prAuc: number;
  confusion: ConfusionMatrix;
  support: { positive: number; negative: number };
}

export interface ScoredLabels {
  yTrue: readonly number[];
  scores: readonly number[];
}

/** A row is predicted positive when its score is >= threshold. */
export function binaryMetrics(options: ScoredLabels & { threshold: number }): BinaryMetrics {
  const { yTrue, scores, threshold } = options;
  checkLengths(yTrue, scores);
  const confusion: ConfusionMatrix = { tp: 0, fp: 0, tn: 0, fn: 0 };
  yTrue.forEach((y, i) => {
    const predicted = scores[i]! >= threshold;
    if (y === 1) predicted ? confusion.tp++ : confusion.fn++;
    else predicted ? confusion.fp++ : confusion.tn++;
  });
  const { tp, fp, tn, fn } = confusion;
  // Undefined ratios (nothing predicted / nothing to find) count as 0, the sklearn convention.
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  return {
    accuracy: ratio(tp + tn, yTrue.length),
    precision,
    recall,
    f1: ratio(2 * tp, 2 * tp + fp + fn),
    rocAuc: rocAuc({ yTrue, scores }),
    prAuc: averagePrecision({ yTrue, scores }),
    confusion,
    support: { positive: tp + fn, negative: fp + tn },
  };
}

/** Mann–Whitney U over mid-ranks, so tied scores count half, like the trapezoidal ROC curve. */
export function rocAuc(options: ScoredLabels): number {
  const { yTrue, scores } = options;
  checkLengths(yTrue, scores);
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]!] === scores[order[start]!]) end++;
    const midRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (yTrue[order[k]!] === 1) {
        positives++;
        positiveRankSum += midRank;
      }
    }
    start = end + 1;
  }
  const negatives = yTrue.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Average precision: Σ (R_k − R_{k−1})·P_k over distinct score thresholds, high to low. */
export function averagePrecision(options: ScoredLabels): number {
  let ap = 0;
  let previousRecall = 0;
  const curve = thresholdCurve(options);
  for (const point of curve.points) {
    const recall = point.tp / curve.positives;
    ap += (recall - previousRecall) * (point.tp / (point.tp + point.fp));
    previousRecall = recall;
  }
  return curve.positives === 0 ? Number.NaN : ap;
}

/**
 * The F1-maximising threshold (pick it on training data). It sits midway between the chosen
 * score and the next lower one, so a row scoring exactly like a training row is not decided by
 * float rounding (e.g. float32 serving vs float64 training).
 */
export function bestThreshold(options: ScoredLabels): number {
  const curve = thresholdCurve(options);
  if (curve.positives === 0) throw new Error('bestThreshold: needs at least one positive');
  let best = 0;
  let bestF1 = -1;
  curve.points.forEach((point, k) => {
    const f1 = ratio(2 * point.tp, point.tp + point.fp + curve.positives);
    // Strictly greater keeps the highest threshold among ties: fewer alarms for the same F1.
    if (f1 > bestF1) {
      bestF1 = f1;
      best = k;
    }
  });
  const chosen = curve.points[best]!.score;
  const next = curve.points[best + 1]?.score;
  return next === undefined ? chosen : (chosen + next) / 2;
}

interface CurvePoint {
  score: number;
  tp: number;
  fp: number;
}

/** Cumulative counts when predicting positive at score >= each distinct score, high to low. */
function thresholdCurve(options: ScoredLabels): { points: CurvePoint[]; positives: number } {
  const { yTrue, scores } = options;
  checkLengths(yTrue, scores);
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const points: CurvePoint[] = [];
  let tp = 0;
  let fp = 0;
  order.forEach((i, k) => {
    if (yTrue[i] === 1) tp++;
    else fp++;
    const next = order[k + 1];
    if (next === undefined || scores[next] !== scores[i]) points.push({ score: scores[i]!, tp, fp });
  });
  return { points, positives: tp };
}

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

function checkLengths(yTrue: readonly number[], scores: readonly number[]): void {
  if (yTrue.length !== scores.length) {
    throw new Error(`metrics: ${yTrue.length} labels but ${scores.length} scores`);
  }
  if (scores.some((s) => Number.isNaN(s))) throw new Error('metrics: scores must not be NaN');
}
