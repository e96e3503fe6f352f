import type { ScoredLabels } from '../metrics.ts';

/**
 * The accuracy-maximising threshold (pick it on training data), placed like bestThreshold:
 * midway between the chosen score and the next lower one, so float32 serving agrees with float64
 * training on every training row. Ties keep the highest threshold. Suited to a label where both
 * classes matter alike, e.g. above/below a median, where max-F1 would over-select the positive class.
 */
export function accuracyThreshold(options: ScoredLabels): number {
  const { yTrue, scores } = options;
  if (yTrue.length !== scores.length || yTrue.length === 0) {
    throw new Error(
      `accuracyThreshold: need as many scores as labels, and some (labels=${yTrue.length}, scores=${scores.length})`,
    );
  }
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const negatives = yTrue.filter((y) => y !== 1).length;
  // Start from "predict nothing": threshold just above the top score, correct on every negative.
  let bestCorrect = negatives;
  let best = scores[order[0]!]! + 1;
  let correct = negatives;
  order.forEach((i, k) => {
    correct += yTrue[i] === 1 ? 1 : -1;
    const next = order[k + 1];
    if (next !== undefined && scores[next] === scores[i]) return;
    if (correct > bestCorrect) {
      bestCorrect = correct;
      best = next === undefined ? scores[i]! : (scores[i]! + scores[next]!) / 2;
    }
  });
  return best;
}
