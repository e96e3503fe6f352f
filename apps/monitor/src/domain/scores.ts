/** Precision, recall and F1 of (decision, label) pairs; 0 rather than NaN when nothing is positive. */
export function scores(pairs: readonly (readonly [number, number])[]): {
  count: number;
  precision: number;
  recall: number;
  f1: number;
} {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const [decision, label] of pairs) {
    if (decision === 1 && label === 1) tp += 1;
    else if (decision === 1) fp += 1;
    else if (label === 1) fn += 1;
  }
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  return {
    count: pairs.length,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
  };
}
