import type { ModelMetadata, ModelTensorMetadata } from './model-metadata.ts';
import { referenceSummary } from './monitoring/reference-summary.ts';
import type { ReferencePopulation, ReferenceSummaryOptions } from './monitoring/reference-summary.ts';

/** One input's or output's values over the training rows; `population` when only some rows count (see NumericReferenceSummary). */
export type TrainingColumn = readonly number[] | { values: readonly number[]; population: ReferencePopulation };

/**
 * What drift is measured against: the training values of every input and output (`columns`),
 * apart from those named in `unmonitored` with the reason; or `off`, the reason this version is
 * not monitored for drift at all.
 */
export type CardDrift =
  | {
      columns: Readonly<Record<string, TrainingColumn>>;
      unmonitored?: Readonly<Record<string, string>>;
      summary?: Omit<ReferenceSummaryOptions, 'population'>;
    }
  | { off: string };

/** A card's inputs or outputs: one vector per name, one value per row of the batch. */
export function batchTensors(
  names: readonly string[],
  datatype: ModelTensorMetadata['datatype'] = 'FP32',
): ModelTensorMetadata[] {
  return names.map((name) => ({ name, datatype, shape: [-1] }));
}

type CardFields<T extends ModelMetadata> = Omit<T, 'reference' | 'drift_monitoring'>;

/**
 * The one way a trainer finishes its card: the training distributions go in `reference`, and a
 * tensor the trainer did not account for is an error here, at training time, rather than a
 * model whose drift nobody watches. The registry checks the same rule on registration.
 */
export function buildModelCard<T extends ModelMetadata>(card: CardFields<T>, drift: CardDrift): T {
  if ('off' in drift) {
    if (!drift.off.trim()) throw new Error(`model card of ${card.name}: turning drift monitoring off needs a reason`);
    return { ...card, drift_monitoring: { enabled: false, reason: drift.off } } as T;
  }
  const tensors = [...card.inputs, ...card.outputs].map((t) => t.name);
  const unmonitored = drift.unmonitored ?? {};
  const problems = [
    ...tensors
      .filter((n) => !(n in drift.columns) && !unmonitored[n]?.trim())
      .map((n) => `${n} has no training values and no reason to go unmonitored`),
    ...Object.keys(drift.columns)
      .filter((n) => !tensors.includes(n))
      .map((n) => `${n} is not an input or output`),
    ...Object.keys(unmonitored)
      .filter((n) => !tensors.includes(n) || n in drift.columns)
      .map((n) => `${n} is listed as unmonitored but is not an input or output without values`),
  ];
  if (problems.length) throw new Error(`model card of ${card.name}: ${problems.join('; ')}`);
  const reference = Object.fromEntries(
    Object.entries(drift.columns).map(([name, column]) => {
      const { values, population } = isPlain(column) ? { values: column, population: undefined } : column;
      return [name, referenceSummary(values, { ...drift.summary, ...(population ? { population } : {}) })];
    }),
  );
  const monitoring = Object.keys(unmonitored).length
    ? { drift_monitoring: { enabled: true as const, unmonitored: { ...unmonitored } } }
    : {};
  return { ...card, reference, ...monitoring } as T;
}

function isPlain(column: TrainingColumn): column is readonly number[] {
  return Array.isArray(column);
}
