import { ModelCard, type PredictionEvent } from '@meridian/contracts';
import { warmUpRow, type NumericReferenceSummary } from '@meridian/ml';
import type { ColumnRows } from './drift-window.ts';

/** What one model version's drift is measured against, read from its card. */
export interface DriftSpec {
  reference: Record<string, NumericReferenceSummary>;
  /** Set when the version is not monitored: why. */
  off?: string;
  /** Sensor window of the model's inputs (online_features): the rows a mote needs before its window is full. */
  window?: number;
}

export function driftSpecOf(raw: Record<string, unknown>): DriftSpec {
  const parsed = ModelCard.safeParse(raw);
  if (!parsed.success)
    return { reference: {}, off: `its registry card is not readable: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  const card = parsed.data;
  const window = card.online_features?.window;
  if (card.drift_monitoring?.enabled === false) return { reference: {}, off: card.drift_monitoring.reason };
  if (!card.reference)
    return {
      reference: {},
      off: 'its card has no reference (registered before the registry required one): retrain it to monitor it',
    };
  return { reference: card.reference as Record<string, NumericReferenceSummary>, ...(window ? { window } : {}) };
}

/**
 * Which rows of an event a column takes. A column whose reference describes full sensor windows
 * only takes the stream rows past their mote's warm-up (warmUpRow: its first `window` readings in
 * a state epoch, whose windows held fewer readings); every other column takes every row. Rows
 * without a stream key (a caller that sent its own inputs) count as full.
 */
export function rowsForColumns(spec: DriftSpec | undefined, event: PredictionEvent): ColumnRows {
  const all = () => true;
  const { window } = spec ?? {};
  const keys = event.records?.keys;
  if (!spec || window === undefined || !keys) return () => all;
  const full = keys.map((k) => warmUpRow(k, window) !== true);
  const pastWarmUp = (_: unknown, row: number) => full[row] ?? true;
  return (name) => (spec.reference[name]?.population === 'full-window' ? pastWarmUp : all);
}
