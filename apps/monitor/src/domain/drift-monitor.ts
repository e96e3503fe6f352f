import type { DriftFeature, DriftHistory, DriftReport, PredictionEvent } from '@meridian/contracts';
import { rootLogger, updateMany } from '@meridian/service-kit';
import type { Alerts } from './alerts.ts';
import { driftFeatures, type DriftThresholds } from './drift-features.ts';
import { historyWindow, type DriftHistoryLog } from './drift-history.ts';
import { driftSpecOf, rowsForColumns, type DriftSpec } from './drift-spec.ts';
import type { ModelCards, StateStore } from './ports.ts';
import { addToWindow, filledWindow, type ClosedWindow, type DriftWindow } from './drift-window.ts';

/** One window per model version: a canary's rows and the champion's are compared with their own references. */
const windowKey = (e: Pick<PredictionEvent, 'model' | 'version'>) => `drift:${e.model}:${e.version}`;
const specKey = (e: Pick<PredictionEvent, 'model' | 'version'>) => `${e.model}/${e.version}`;

/**
 * Data and prediction drift over sliding windows of the prediction log: each
 * numeric input and the first output are compared with the training
 * distributions stored with the model version (PSI on the reference's bins,
 * Kolmogorov–Smirnov against its sample). When a window fills, its verdict is
 * kept in the version's history, and if it drifts an alert is raised (each
 * once per window). The windows live in the state store,
 * one key per model version replaced by compare-and-swap, so a restart or a second
 * replica carries on where the last left off; the key also holds the ids of
 * the events in the window, so a redelivered event is taken once.
 *
 * A column whose reference counts full sensor windows only (the windowed
 * model's window statistics and score) takes stream rows past their mote's
 * warm-up only, and keeps its own latest `windowSize` of them: it fills more
 * slowly than the raw columns when many motes are new, and until it is full
 * it is reported as provisional and raises no alert.
 */
export class DriftMonitor {
  constructor(
    private readonly opts: {
      state: StateStore;
      store: string;
      cards: Pick<ModelCards, 'card' | 'currentVersion'>;
      alerts: Pick<Alerts, 'raise'>;
      windowSize: number;
      thresholds: DriftThresholds;
      /** Where closed windows' verdicts are kept (DriftHistoryLog). */
      history: Pick<DriftHistoryLog, 'append' | 'windows'>;
      clock?: () => number;
    },
  ) {}

  /**
   * Adds a batch of events to their models' windows, one write per model
   * version; answers the ids of events to retry (their window stayed
   * contended). Events of a version whose card the registry cannot give now
   * are left out of the window (logged), not retried: a registry that is down
   * must not stop the monitor counting predictions.
   */
  async observeMany(events: readonly PredictionEvent[]): Promise<Set<string>> {
    const { windowSize } = this.opts;
    const { specs, unreadable } = await this.specsOf(events);
    const byKey = new Map<string, PredictionEvent[]>();
    // Only versions the registry knows get a window: a model served from the repository alone has no card
    // to compare with, and a window kept under its number would be mistaken for a version registered later.
    const monitored = (e: PredictionEvent) => !unreadable.has(specKey(e)) && specs.get(specKey(e)) !== undefined;
    for (const e of events) if (monitored(e)) byKey.set(windowKey(e), [...(byKey.get(windowKey(e)) ?? []), e]);
    const redelivered = new Map<string, DriftWindow>();
    const now = () => new Date((this.opts.clock ?? Date.now)()).toISOString();
    const result = await updateMany<DriftWindow>({
      state: this.opts.state,
      store: this.opts.store,
      keys: [...byKey.keys()],
      change: (current, key) => {
        let w = current;
        const closed: ClosedWindow[] = [];
        for (const e of byKey.get(key)!) {
          const spec = specs.get(specKey(e))!;
          const next = addToWindow(w, e, { size: windowSize, take: rowsForColumns(spec, e) });
          if (!next) continue;
          // Judged as the event that fills it lands, on the rows it holds then: later events of the batch belong to the next window.
          const index = filledWindow(w?.version === next.version ? w.rows : 0, next.rows, windowSize);
          const verdict = index === undefined ? undefined : this.verdict(e.model, next, spec, index, now());
          if (verdict) closed.push(verdict);
          w = next;
        }
        if (w === current) {
          if (current) redelivered.set(key, current);
          return undefined;
        }
        return closed.length ? { ...w!, closed } : w;
      },
    });
    const record = async (key: string, verdicts: readonly ClosedWindow[]) => {
      const model = byKey.get(key)![0]!.model;
      // Awaited, so that an event counted means its window's verdict was recorded (once per filled window, so
      // cheap); a failure only costs this recording, not the delivery.
      for (const v of verdicts)
        await this.record(model, v).catch((err: unknown) =>
          rootLogger().warn({ err: (err as Error).message, model, window: v.index }, 'drift verdict not recorded'),
        );
    };
    for (const [key, { before, after }] of result.written) {
      const earlier = before?.version === after.version ? (before.closed ?? []) : [];
      await record(
        key,
        (after.closed ?? []).filter((v) => !earlier.some((b) => b.index === v.index)),
      );
    }
    // Events already in their window: the write that took them may have landed with its answer lost, so the
    // verdicts it made may never have been recorded. Record the latest again (history and alerts keep one per window).
    for (const [key, w] of redelivered) if (!result.written.has(key)) await record(key, w.closed ?? []);
    return new Set(events.filter((e) => result.failed.has(windowKey(e))).map((e) => e.id));
  }

  /**
   * The window of a version (default: the one serving, production else the latest), empty
   * before its first row. Undefined when the registry does not know the model or the version.
   */
  async report(model: string, version?: string): Promise<DriftReport | undefined> {
    const v = version ?? (await this.opts.cards.currentVersion(model));
    if (v === undefined) return undefined;
    const w = (
      await this.opts.state.getState<DriftWindow>({ store: this.opts.store, key: windowKey({ model, version: v }) })
    ).value;
    return this.reportOf(model, w ?? { version: v, rows: 0, columns: {}, ids: [] });
  }

  /**
   * The verdicts of a version's closed windows (default: the version serving), oldest first.
   * Undefined when the registry does not know the model or the version.
   */
  async history(model: string, version?: string): Promise<DriftHistory | undefined> {
    const v = version ?? (await this.opts.cards.currentVersion(model));
    if (v === undefined || !(await this.spec(model, v))) return undefined;
    const windows = await this.opts.history.windows({ model, version: v });
    return { model, version: v, thresholds: this.opts.thresholds, windows };
  }

  /** Each version's spec once per batch; undefined for a version the registry does not know. */
  private async specsOf(
    events: readonly PredictionEvent[],
  ): Promise<{ specs: Map<string, DriftSpec | undefined>; unreadable: Set<string> }> {
    const specs = new Map<string, DriftSpec | undefined>();
    const unreadable = new Set<string>();
    for (const e of events) {
      const key = specKey(e);
      if (specs.has(key) || unreadable.has(key)) continue;
      try {
        specs.set(key, await this.spec(e.model, e.version));
      } catch (err) {
        rootLogger().warn(
          { err: (err as Error).message, model: e.model, version: e.version },
          'registry card unavailable; these rows are left out of the drift window',
        );
        unreadable.add(key);
      }
    }
    return { specs, unreadable };
  }

  private async spec(model: string, version: string): Promise<DriftSpec | undefined> {
    const card = await this.opts.cards.card(model, version);
    return card && driftSpecOf(card);
  }

  private async reportOf(model: string, w: DriftWindow): Promise<DriftReport | undefined> {
    const spec = await this.spec(model, w.version);
    return spec && this.reportWith(model, w, spec);
  }

  private reportWith(model: string, w: DriftWindow, spec: DriftSpec): DriftReport {
    const { thresholds, windowSize } = this.opts;
    const features = driftFeatures({ window: w, spec, windowSize, thresholds });
    const filled = w.rows >= windowSize;
    const index = Math.max(0, Math.ceil(w.rows / windowSize) - 1);
    return {
      model,
      version: w.version,
      window: { rows: Math.min(w.rows, windowSize), size: windowSize, index, seen: w.rows },
      rows_seen: w.rows,
      window_filled: filled,
      provisional:
        !filled || features.length < Object.keys(spec.reference).length || features.some((f) => f.provisional),
      features,
      drifted: features.some((f) => f.drifted && !f.provisional),
      thresholds,
      ...(spec.off ? { not_monitored: spec.off } : {}),
    };
  }

  /** The verdict on window `index` as it closes with `w`; none for a version whose drift is not monitored. */
  private verdict(
    model: string,
    w: DriftWindow,
    spec: DriftSpec | undefined,
    index: number,
    closedAt: string,
  ): ClosedWindow | undefined {
    if (!spec || spec.off) return undefined;
    const report = this.reportWith(model, w, spec);
    return { index, closed_at: closedAt, report: { ...report, features: report.features.map(withoutHistogram) } };
  }

  private async record(model: string, { index, closed_at: closedAt, report }: ClosedWindow): Promise<void> {
    // Caught apart from the alert: a history that could not be written must not cost the window its alert.
    await this.opts.history
      .append({ model, version: report.version, window: historyWindow(report, { index, closedAt }) })
      .catch((err: unknown) =>
        rootLogger().warn({ err: (err as Error).message, model, window: index }, 'drift history not written'),
      );
    if (!report.drifted) return;
    const drifted = report.features.filter((f) => f.drifted && !f.provisional);
    await this.opts.alerts.raise({
      model,
      version: report.version,
      kind: 'drift',
      window: index,
      evidence: {
        features: drifted.map((f) => ({ name: f.name, psi: f.psi, ks: f.ks, ks_p_value: f.ks_p_value, rows: f.rows })),
        thresholds: report.thresholds,
      },
    });
  }
}

const withoutHistogram = ({ histogram: _, ...f }: DriftFeature): DriftFeature => f;
