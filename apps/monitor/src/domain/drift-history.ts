import type { DriftHistoryWindow, DriftReport } from '@meridian/contracts';
import { rootLogger, updateOne } from '@meridian/service-kit';
import type { StateStore } from './ports.ts';

/** One key per model version, beside its window (`drift:<model>:<version>`), written only when a window closes. */
export const historyKey = (o: { model: string; version: string }) => `drift-history:${o.model}:${o.version}`;

/** What the history keeps of a judged window: the report's statistics without its rows and bins. */
export function historyWindow(report: DriftReport, o: { index: number; closedAt: string }): DriftHistoryWindow {
  return {
    index: o.index,
    closed_at: o.closedAt,
    rows: report.window.rows,
    features: report.features.map((f) => ({
      name: f.name,
      kind: f.kind,
      psi: f.psi,
      ks: f.ks,
      ks_p_value: f.ks_p_value,
      drifted: f.drifted,
      provisional: f.provisional,
    })),
    drifted: report.drifted,
  };
}

/**
 * The history with `entry` in its place by index (oldest first), trimmed to the latest `max`;
 * undefined when there is nothing to write: the index is there already (a redelivery judged the
 * window again, or another replica did), or the entry is older than every window a full history keeps.
 */
export function withWindow(
  history: readonly DriftHistoryWindow[] | undefined,
  entry: DriftHistoryWindow,
  o: { max: number },
): DriftHistoryWindow[] | undefined {
  const current = history ?? [];
  if (current.some((w) => w.index === entry.index)) return undefined;
  const next = [...current, entry].sort((a, b) => a.index - b.index).slice(-o.max);
  return next.includes(entry) ? next : undefined;
}

/**
 * The drift verdicts of each model version's closed windows, the latest `max` of them, in the
 * state store. Replicas judging windows at once meet in the compare-and-swap; windows are keyed
 * by index, so the same window judged twice is kept once.
 */
export class DriftHistoryLog {
  constructor(private readonly opts: { state: StateStore; store: string; max: number }) {}

  /** Adds a closed window; false when the key stayed contended (the window is missing from the history, logged). */
  async append(o: { model: string; version: string; window: DriftHistoryWindow }): Promise<boolean> {
    const { state, store, max } = this.opts;
    const key = historyKey(o);
    const { failed } = await updateOne<DriftHistoryWindow[]>({
      state,
      store,
      key,
      change: (history) => withWindow(history, o.window, { max }),
    });
    if (failed)
      rootLogger().warn(
        { model: o.model, version: o.version, window: o.window.index },
        `drift window not kept in the history: ${key} stayed contended`,
      );
    return !failed;
  }

  /** Oldest first; empty before the version's first window closed. */
  async windows(o: { model: string; version: string }): Promise<DriftHistoryWindow[]> {
    const { state, store, max } = this.opts;
    return ((await state.getState<DriftHistoryWindow[]>({ store, key: historyKey(o) })).value ?? []).slice(-max);
  }
}
