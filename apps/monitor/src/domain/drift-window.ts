import type { DriftReport, PredictionEvent } from '@meridian/contracts';

/**
 * A window's verdict, made on the rows it held when it closed and kept with them: the write that
 * closes a window and its verdict are one, so recording it again (a redelivery after a lost
 * answer) records the same verdict, not one made on the next window's rows.
 */
export interface ClosedWindow {
  index: number;
  closed_at: string;
  /** The report as the window closed, without its histograms. */
  report: DriftReport;
}

/** One model version's drift window as stored: the latest values per column, and the events they came from. */
export interface DriftWindow {
  version: string;
  /** Rows seen for this version; window k holds rows [k·size, (k+1)·size). */
  rows: number;
  /** Each column's latest values, up to the window size (a column taking only some rows fills more slowly). */
  columns: Record<string, { kind: 'input' | 'prediction'; values: number[] }>;
  /** Ids of the latest events (at most one per row of the window), so a redelivery is recognised. */
  ids: string[];
  /** The windows the latest closing write closed (usually one), with their verdicts. */
  closed?: ClosedWindow[];
}

/** Which rows of an event a column takes (rowsForColumns); default every row. */
export type ColumnRows = (name: string) => (value: unknown, row: number) => boolean;

/**
 * The window with the event's numeric inputs and first output added (the rows `take` admits
 * for each column), each column trimmed to the latest `size` values; a new version starts
 * afresh. Undefined when the event is in the window already (a redelivery).
 */
export function addToWindow(
  w: DriftWindow | undefined,
  event: PredictionEvent,
  o: { size: number; take?: ColumnRows },
): DriftWindow | undefined {
  const { size, take = () => () => true } = o;
  const current: DriftWindow =
    w && w.version === event.version ? w : { version: event.version, rows: 0, columns: {}, ids: [] };
  if (current.ids.includes(event.id)) return undefined;
  const columns = { ...current.columns };
  const add = (name: string, kind: 'input' | 'prediction', values: readonly unknown[]) => {
    const numbers = values.filter(take(name)).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (!numbers.length) return;
    columns[name] = { kind, values: [...(columns[name]?.values ?? []), ...numbers].slice(-size) };
  };
  for (const [name, values] of Object.entries(event.inputs)) add(name, 'input', values);
  const [output, values] = Object.entries(event.outputs)[0] ?? [];
  if (output && values) add(output, 'prediction', values);
  return {
    ...current,
    version: event.version,
    rows: current.rows + event.rows,
    columns,
    ids: [...current.ids, event.id].slice(-size),
  };
}

/** The window a write completed (rows went from `before` to `after`), if it completed one. */
export function filledWindow(before: number, after: number, size: number): number | undefined {
  return Math.floor(after / size) > Math.floor(before / size) ? Math.floor(after / size) - 1 : undefined;
}
