import { createHash } from 'node:crypto';
import type { IngestedRecordsEvent } from '@meridian/contracts';
import type { SensorWindowSpec } from '@meridian/ml';
import { AppError, chunksOf, rootLogger, type DeliveryResult, type KeyedLock } from '@meridian/service-kit';
import { applyReadings, type ApplyResult, type PendingRow, type Reading } from './mote-state.ts';
import type { EntityStates, FeatureLog, RowScorer } from './ports.ts';
import { toReading } from './to-reading.ts';

export interface StreamItem {
  entryId: string;
  event: IngestedRecordsEvent;
}

/** At most this many rows go to the model in one call (one prediction event each). */
export const MAX_ROWS_PER_SCORE = 1000;

/**
 * At most this many readings are applied and scored at a time. An event carries up to
 * MAX_RECORDS_PER_EVENT readings and a delivery up to BULK_MAX_MESSAGES events; a mote's stored
 * pending rows (about 250 bytes each) stay a bounded size however large a delivery is.
 */
export const MAX_READINGS_PER_STEP = 2500;

export interface ProcessorStats {
  batches: number;
  applied: number;
  duplicates: number;
  scored: number;
  rescored: number;
  dropped: number;
  cas_retries: number;
  /** Rows the scoring model refused (400), e.g. its inputs are not these features. */
  score_refused: number;
}

type Readings = Map<string, { entryId: string; reading: Reading }[]>;

/** An event's entry id and its sensor readings, each with its mote. */
interface ParsedEvent {
  entryId: string;
  readings: { entity: string; reading: Reading }[];
}

/**
 * Sensor readings in, online features and scores out. A delivery goes a step
 * at a time (see `process`); for one step: the entities' states are read in
 * one call, the readings applied (each key once, features from packages/ml),
 * the states written back compare-and-swap in one call; then every pending
 * row of those entities is scored in inference calls of up to
 * MAX_ROWS_PER_SCORE rows (each publishes a prediction event) and, at the
 * same time, appended to the offline log. Only once both are done is the
 * step's answer given, so a crash anywhere leaves either unapplied readings
 * (redelivered, applied once) or applied but unconfirmed rows (scored again
 * under the same row key, which the monitor counts once).
 */
export class StreamProcessor {
  /** Rows scored by this process but possibly still pending in the store (dropped from it at the entity's next write). */
  private readonly confirmed = new Set<string>();
  readonly stats: ProcessorStats = {
    batches: 0,
    applied: 0,
    duplicates: 0,
    scored: 0,
    rescored: 0,
    dropped: 0,
    cas_retries: 0,
    score_refused: 0,
  };

  constructor(
    private readonly deps: {
      store: EntityStates;
      lock: KeyedLock;
      spec: SensorWindowSpec;
      historySize: number;
      keysSize: number;
      scorer: RowScorer | undefined;
      offlineLog: FeatureLog | undefined;
      clock: () => Date;
    },
  ) {}

  /**
   * Handles a delivery a step at a time and answers every entry. A step holds whole events, at
   * most MAX_READINGS_PER_STEP readings and at most half of `keysSize` of any one mote, so a
   * step that is redelivered after it was applied is recognised in full by the mote's digests.
   * After a step that failed (when one before it went through) or left a mote contended, the
   * rest of the delivery is not applied and answers RETRY: a mote's later readings never go in
   * before its earlier ones.
   */
  async process(items: StreamItem[]): Promise<Map<string, DeliveryResult>> {
    const answers = new Map<string, DeliveryResult>();
    const parsed = items.flatMap((item) => {
      const readings = this.readingsOf(item);
      // An event with no sensor reading in it can never succeed; one with some is taken for those.
      if (!readings.length) answers.set(item.entryId, 'DROP');
      return readings.length ? [{ entryId: item.entryId, readings }] : [];
    });
    const steps = this.steps(parsed);
    for (const [n, step] of steps.entries()) {
      let outcome: { answers: Map<string, DeliveryResult>; contended: Set<string> };
      try {
        outcome = await this.processStep(step);
      } catch (err) {
        if (n === 0) throw err;
        rootLogger().warn(
          { err, step: n, of: steps.length },
          'a step of the delivery failed; it and the rest are retried',
        );
        for (const later of steps.slice(n)) for (const { entryId } of later) answers.set(entryId, 'RETRY');
        break;
      }
      for (const [entryId, answer] of outcome.answers) answers.set(entryId, answer);
      if (outcome.contended.size) {
        for (const later of steps.slice(n + 1)) for (const { entryId } of later) answers.set(entryId, 'RETRY');
        break;
      }
    }
    return answers;
  }

  /** A delivery's events cut into steps (see `process`), in order. */
  private steps(events: ParsedEvent[]): ParsedEvent[][] {
    const perMote = Math.max(1, Math.floor(this.deps.keysSize / 2));
    const steps: ParsedEvent[][] = [];
    let step: ParsedEvent[] = [];
    let total = 0;
    let counts = new Map<string, number>();
    for (const event of events) {
      const own = new Map<string, number>();
      for (const { entity } of event.readings) own.set(entity, (own.get(entity) ?? 0) + 1);
      const full =
        total + event.readings.length > MAX_READINGS_PER_STEP ||
        [...own].some(([entity, n]) => (counts.get(entity) ?? 0) + n > perMote);
      if (step.length && full) {
        steps.push(step);
        step = [];
        total = 0;
        counts = new Map();
      }
      step.push(event);
      total += event.readings.length;
      for (const [entity, n] of own) counts.set(entity, (counts.get(entity) ?? 0) + n);
    }
    if (step.length) steps.push(step);
    return steps;
  }

  /** An event's sensor readings; records that are not readings are dropped, counted and logged once per event. */
  private readingsOf(item: StreamItem): { entity: string; reading: Reading }[] {
    const receivedAt = Date.parse(item.event.received_at);
    const readings: { entity: string; reading: Reading }[] = [];
    let dropped: { key: string; reason: string; count: number } | undefined;
    for (const record of item.event.records) {
      const parsed = toReading(record, receivedAt);
      if (!('error' in parsed)) readings.push(parsed);
      else {
        dropped ??= { key: record.key, reason: parsed.error, count: 0 };
        dropped.count += 1;
      }
    }
    if (dropped) {
      // One line naming the first such record: a publisher's mistake can fill an event with them.
      rootLogger().warn(
        { first_key: dropped.key, records: dropped.count, stream: item.event.stream, reason: dropped.reason },
        'dropping records',
      );
      this.stats.dropped += dropped.count;
    }
    return readings;
  }

  private async processStep(
    events: ParsedEvent[],
  ): Promise<{ answers: Map<string, DeliveryResult>; contended: Set<string> }> {
    const byEntity: Readings = new Map();
    for (const { entryId, readings } of events)
      for (const { entity, reading } of readings) {
        const list = byEntity.get(entity);
        // Pushed, not spread into a new array: a step can bring one mote a thousand readings.
        if (list) list.push({ entryId, reading });
        else byEntity.set(entity, [{ entryId, reading }]);
      }
    let contended = new Set<string>();
    await this.deps.lock.withKeys([...byEntity.keys()], async () => {
      const applied = await this.apply(byEntity);
      contended = applied.contended;
      if (applied.pending.length) await this.score(applied.pending, applied.fresh);
    });
    if (contended.size)
      rootLogger().warn(
        { entities: [...contended].slice(0, 5), count: contended.size },
        'entity states stayed contended; their readings are retried',
      );
    this.stats.batches += 1;
    // A contended entity's readings were not applied: Dapr redelivers their events (whose other readings
    // it then recognises), and the other entities' go through now.
    const answers = new Map<string, DeliveryResult>();
    for (const entity of contended) for (const { entryId } of byEntity.get(entity)!) answers.set(entryId, 'RETRY');
    for (const { entryId } of events) if (!answers.has(entryId)) answers.set(entryId, 'SUCCESS');
    return { answers, contended };
  }

  /** Applies the readings, compare-and-swap per entity; answers every pending row of the entities written. */
  private async apply(byEntity: Readings): Promise<{ pending: PendingRow[]; fresh: number; contended: Set<string> }> {
    const results = new Map<string, ApplyResult>();
    let changes = 0;
    const { written, contended } = await this.deps.store.update({
      entities: [...byEntity.keys()],
      change: (current, entity) => {
        changes += 1;
        // Within a step, a mote's readings are applied in time order (a stable sort keeps equal times in arrival order).
        const readings = byEntity
          .get(entity)!
          .map((x) => x.reading)
          .sort((a, b) => a.ts - b.ts);
        const result = applyReadings({
          entity,
          state: current,
          readings,
          spec: this.deps.spec,
          historySize: this.deps.historySize,
          keysSize: this.deps.keysSize,
          confirmed: this.confirmed,
          now: this.deps.clock(),
        });
        // The last result of an entity is the one that landed, if any did.
        results.set(entity, result);
        return result.state;
      },
    });
    // Every change after an entity's first is a retry after another writer got there first.
    this.stats.cas_retries += changes - byEntity.size;
    let fresh = 0;
    for (const [entity, { before, after }] of written) {
      const result = results.get(entity)!;
      this.stats.applied += result.fresh.length;
      fresh += result.fresh.length;
      this.stats.duplicates += result.duplicates;
      // Confirmed rows that left the stored pending list need not be remembered any more. A delivery can
      // bring a mote hundreds of readings, so the lists are compared through a set, not pair by pair.
      if (!before?.pending.length) continue;
      const kept = new Set(after.pending.map((q) => q.row_key));
      for (const p of before.pending) if (!kept.has(p.row_key)) this.confirmed.delete(p.row_key);
    }
    const pending = [...written.values()].flatMap(({ after }) =>
      after.pending.filter((p) => !this.confirmed.has(p.row_key)),
    );
    return { pending, fresh, contended };
  }

  private async score(rows: PendingRow[], fresh: number): Promise<void> {
    // Scoring and the offline log need only the rows: they run side by side, and a delivery waits for
    // the slower of the two, not their sum (on Kafka, bulk deliveries reach the app one at a time).
    // Either failing fails the delivery once both are done; its retry does both again (the log is at
    // least once, and a re-scored batch is the same prediction event).
    const [scored, logged] = await Promise.allSettled([this.scoreRows(rows), this.logRows(rows)]);
    if (scored.status === 'rejected') throw scored.reason;
    if (logged.status === 'rejected') throw logged.reason;
    for (const r of rows) this.confirmed.add(r.row_key);
    this.stats.scored += rows.length;
    // Rows applied by an earlier delivery whose score was never confirmed (this process restarted in between).
    this.stats.rescored += rows.length - fresh;
  }

  private async scoreRows(rows: PendingRow[]): Promise<void> {
    const { scorer } = this.deps;
    if (!scorer) return;
    for (const chunk of chunksOf(rows, MAX_ROWS_PER_SCORE)) await this.scoreChunk(scorer, chunk);
  }

  private async scoreChunk(scorer: RowScorer, rows: PendingRow[]): Promise<void> {
    // The same rows get the same request id, so a re-scored batch is also one prediction event id.
    const id = `features-${createHash('sha256')
      .update(rows.map((r) => r.row_key).join(','))
      .digest('hex')
      .slice(0, 32)}`;
    try {
      await scorer.score(rows, id);
    } catch (err) {
      // A refusal (the model's inputs are not these features) will not change on a retry: the rows
      // keep their online features, are logged offline, and the stream goes on. Anything else is retried.
      if (!(err instanceof AppError && err.code === 'BAD_REQUEST')) throw err;
      rootLogger().error(
        { err: err.message, rows: rows.length, model: scorer.model },
        'scoring refused; these rows stay unscored',
      );
      this.stats.score_refused += rows.length;
    }
  }

  private async logRows(rows: PendingRow[]): Promise<void> {
    await this.deps.offlineLog?.append(
      rows.map((r) => ({
        row_key: r.row_key,
        entity: r.row_key.slice(0, r.row_key.indexOf('@')),
        record_key: r.record_key,
        ts: r.ts,
        received_at: r.received_at,
        values: r.values,
        ...(r.label !== undefined ? { label: r.label } : {}),
      })),
    );
  }
}
