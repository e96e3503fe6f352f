import type { Label, PredictionEvent, QualityReport } from '@meridian/contracts';
import { addToConfusion, emptyConfusion, type ConfusionCounts } from '@meridian/ml';
import { rootLogger, updateOrThrow } from '@meridian/service-kit';
import type { StateStore } from './ports.ts';
import type { QualityGate } from './quality-gate.ts';
import { scores } from './scores.ts';

const DAY = 86_400;
const predictionKey = (eventId: string) => `prediction:${eventId}`;

/** A row id is `<event id>:<row>` (rowPredictionId); the event id may itself hold colons. */
export function splitRowId(rowId: string): { eventId: string; row: number } | undefined {
  const at = rowId.lastIndexOf(':');
  const row = Number(rowId.slice(at + 1));
  return at > 0 && Number.isInteger(row) && row >= 0 ? { eventId: rowId.slice(0, at), row } : undefined;
}
const labelKey = (rowId: string) => `label:${rowId}`;
const windowKey = (model: string) => `quality:${model}`;

interface StoredPrediction {
  model: string;
  version: string;
  decision: 0 | 1;
  /** The row's protected attributes (attribute → group), when its request carried them. */
  protected?: Record<string, string>;
}

/** One prediction event as kept for joining labels: one key per event (a 500-row stream event is one write, not 500). */
interface StoredEvent {
  model: string;
  version: string;
  decisions: (0 | 1)[];
  /** Protected attributes per row (attribute → one group per row), when the request carried them. */
  protected?: Record<string, string[]>;
}

function rowOf(event: StoredEvent, row: number): StoredPrediction | undefined {
  const decision = event.decisions[row];
  if (decision === undefined) return undefined;
  const groups = event.protected
    ? Object.fromEntries(Object.entries(event.protected).map(([attribute, values]) => [attribute, values[row]!]))
    : undefined;
  return { model: event.model, version: event.version, decision, ...(groups ? { protected: groups } : {}) };
}

/** Confusion counts per protected attribute and group. */
export type GroupConfusion = Record<string, Record<string, ConfusionCounts>>;

/** One version's labelled predictions. */
export interface VersionLabels {
  /** The latest (decision, label) pairs, in arrival order. */
  pairs: [number, number][];
  /** Labels ever joined to the version: the quality gate's windows are counted on it. */
  total: number;
  /** Over every labelled prediction whose request carried protected attributes (not windowed). */
  groups?: GroupConfusion;
}

/** Per version; a bare array is a window stored before totals were kept. */
type QualityState = Record<string, VersionLabels | [number, number][]>;

const normalise = (v: VersionLabels | [number, number][] | undefined): VersionLabels | undefined =>
  Array.isArray(v) ? { pairs: v, total: v.length } : v;

/** The version's labels with one more joined: the pair kept (the latest `keep`), the total and the group counts grown. */
export function addLabel(
  v: VersionLabels | undefined,
  o: { pair: [number, number]; groups?: Record<string, string> | undefined; keep: number },
): VersionLabels {
  const groups: GroupConfusion = { ...v?.groups };
  for (const [attribute, group] of Object.entries(o.groups ?? {})) {
    groups[attribute] = {
      ...groups[attribute],
      [group]: addToConfusion(groups[attribute]?.[group] ?? emptyConfusion(), ...o.pair),
    };
  }
  return {
    pairs: [...(v?.pairs ?? []), o.pair].slice(-o.keep),
    total: (v?.total ?? 0) + 1,
    ...(Object.keys(groups).length ? { groups } : {}),
  };
}

/**
 * Quality against delayed labels. Each prediction event's decisions are kept
 * (with a TTL) under its id; a label is joined to its row by the row id and its pair enters
 * the version's rolling window. A label already seen is a duplicate (its
 * marker is written first-write), and a label whose prediction has not
 * arrived yet is "unmatched" and left for a retry. After each join the
 * quality gate looks at the window that label may have completed.
 */
export class LabelQuality {
  constructor(
    private readonly opts: {
      state: StateStore;
      store: string;
      window: number;
      gate?: QualityGate;
      ttlSeconds?: number;
    },
  ) {}

  /** Keeps each event's decisions under its id for joining labels later: one write for the batch. */
  async recordPredictions(events: readonly PredictionEvent[]): Promise<void> {
    const items = events.flatMap((event) => {
      const scoresOut = Object.values(event.outputs)[0] ?? [];
      if (!scoresOut.length) return [];
      const threshold = event.threshold ?? 0.5;
      const value: StoredEvent = {
        model: event.model,
        version: event.version,
        decisions: scoresOut.map((score) => (Number(score) >= threshold ? 1 : 0)),
        ...(event.protected ? { protected: event.protected } : {}),
      };
      return [
        { key: predictionKey(event.id), value, metadata: { ttlInSeconds: `${this.opts.ttlSeconds ?? 7 * DAY}` } },
      ];
    });
    // One commit for the batch: on SQLite a plain multi-key save commits (and syncs) once per key.
    await this.opts.state.commitState({ store: this.opts.store, items });
  }

  async recordLabels(labels: Label[]): Promise<{ accepted: number; duplicates: number; unmatched: string[] }> {
    const { state, store } = this.opts;
    let accepted = 0;
    let duplicates = 0;
    const unmatched: string[] = [];
    const events = new Map<string, StoredEvent | undefined>();
    const predictionOf = async (rowId: string): Promise<StoredPrediction | undefined> => {
      const id = splitRowId(rowId);
      if (!id) return undefined;
      if (!events.has(id.eventId))
        events.set(id.eventId, (await state.getState<StoredEvent>({ store, key: predictionKey(id.eventId) })).value);
      const event = events.get(id.eventId);
      return event ? rowOf(event, id.row) : undefined;
    };
    for (const l of labels) {
      const prediction = await predictionOf(l.prediction_id);
      if (!prediction) {
        unmatched.push(l.prediction_id);
        continue;
      }
      const fresh = await state.saveIfUnchanged({
        store,
        key: labelKey(l.prediction_id),
        value: l.label,
        metadata: { ttlInSeconds: `${30 * DAY}` },
      });
      if (!fresh) {
        duplicates += 1;
        continue;
      }
      const written = await this.append(prediction, [prediction.decision, l.label]).catch(async (err: unknown) => {
        // Un-mark it, so that the retried label is joined rather than taken for a duplicate.
        await state.deleteState({ store, key: labelKey(l.prediction_id) }).catch(() => undefined);
        throw err;
      });
      accepted += 1;
      // The label is recorded either way; a failed check is logged rather than failing its delivery (a retry would find a duplicate).
      await this.opts.gate
        ?.check({ model: prediction.model, version: prediction.version, total: written.total, latest: written.pairs })
        .catch((err: unknown) =>
          rootLogger().error(
            { err: (err as Error).message, model: prediction.model, version: prediction.version },
            'quality check failed; its window raised no alert',
          ),
        );
    }
    return { accepted, duplicates, unmatched };
  }

  /**
   * Adds the pair by compare-and-swap and answers the version's labels as written (the gate judges
   * exactly that state). A window that stays contended throws UNAVAILABLE: POST /v1/labels answers
   * 503 and a label delivery is retried.
   */
  private async append(p: StoredPrediction, pair: [number, number]): Promise<VersionLabels> {
    const keep = Math.max(this.opts.window, this.opts.gate?.keep(p.model) ?? 0);
    const written = await updateOrThrow<QualityState>({
      state: this.opts.state,
      store: this.opts.store,
      key: windowKey(p.model),
      change: (versions = {}) => ({
        ...versions,
        [p.version]: addLabel(normalise(versions[p.version]), { pair, groups: p.protected, keep }),
      }),
    });
    // The change always writes, so `written` is there once updateOrThrow returns.
    return normalise(written!.after[p.version])!;
  }

  async report(model: string): Promise<QualityReport | undefined> {
    const state = (await this.opts.state.getState<QualityState>({ store: this.opts.store, key: windowKey(model) }))
      .value;
    if (!state) return undefined;
    const versions = Object.entries(state)
      .map(([version, v]) => ({ version, ...scores(normalise(v)!.pairs.slice(-this.opts.window)) }))
      .sort((a, b) => Number(b.version) - Number(a.version));
    const latest = versions[0]!;
    return {
      model,
      version: latest.version,
      count: latest.count,
      precision: latest.precision,
      recall: latest.recall,
      f1: latest.f1,
      window: this.opts.window,
      versions,
    };
  }

  /** Decisions against labels per protected attribute and group, for one version. */
  async groups(model: string, version: string): Promise<GroupConfusion> {
    const state = (await this.opts.state.getState<QualityState>({ store: this.opts.store, key: windowKey(model) }))
      .value;
    return normalise(state?.[version])?.groups ?? {};
  }
}
