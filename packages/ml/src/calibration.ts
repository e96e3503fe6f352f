export interface CalibrationBin {
  lower: number;
  upper: number;
  count: number;
  mean_score: number;
  positive_rate: number;
}

export interface Calibration {
  /** Mean squared error of the scores as probabilities. */
  brier: number;
  /** Expected calibration error: the count-weighted gap between mean score and positive rate per bin. */
  ece: number;
  bins: CalibrationBin[];
}

/**
 * How far scores are from being probabilities: a reliability table over
 * equal-width bins, the Brier score and the expected calibration error.
 * A model trained with class weights ranks well but is over-confident, and
 * this is where it shows.
 */
export function calibration(options: {
  yTrue: readonly number[];
  scores: readonly number[];
  bins?: number;
}): Calibration {
  const { yTrue, scores } = options;
  const binCount = options.bins ?? 10;
  if (yTrue.length !== scores.length)
    throw new Error(`calibration: ${yTrue.length} labels but ${scores.length} scores`);
  if (!yTrue.length) throw new Error('calibration: no rows');
  const sums = Array.from({ length: binCount }, () => ({ count: 0, score: 0, positives: 0 }));
  let brier = 0;
  scores.forEach((s, i) => {
    const y = yTrue[i]!;
    brier += (s - y) ** 2;
    const b = sums[Math.min(binCount - 1, Math.max(0, Math.floor(s * binCount)))]!;
    b.count += 1;
    b.score += s;
    b.positives += y;
  });
  const bins = sums.map((b, k) => ({
    lower: k / binCount,
    upper: (k + 1) / binCount,
    count: b.count,
    mean_score: b.count ? b.score / b.count : 0,
    positive_rate: b.count ? b.positives / b.count : 0,
  }));
  const ece = bins.reduce((e, b) => e + (b.count / scores.length) * Math.abs(b.mean_score - b.positive_rate), 0);
  return { brier: brier / scores.length, ece, bins };
}
