import type { Alert, ConsolePredictions, RunStatus } from '@meridian/contracts';

/**
 * Alerts not seen before. The first look only learns what exists (a client
 * lists those itself, `GET /v1/monitor/alerts`); an id is reported once,
 * even if a later list leaves it out and the next one has it again.
 */
export class AlertTracker {
  private seen: Set<string> | undefined;

  next(alerts: readonly Alert[]): Alert[] {
    const seen = this.seen;
    const fresh = seen ? alerts.filter((a) => !seen.has(a.id)) : [];
    this.seen = new Set([...(seen ?? []), ...alerts.map((a) => a.id)]);
    return fresh;
  }

  reset(): void {
    this.seen = undefined;
  }
}

/** The prediction counts, reported when they differ from the last ones (the first are news too). */
export class PredictionsTracker {
  private last: { value: ConsolePredictions; key: string } | undefined;

  next(value: ConsolePredictions): ConsolePredictions | undefined {
    const key = JSON.stringify([value.total, Object.entries(value.per_model).sort()]);
    if (key === this.last?.key) return undefined;
    this.last = { value, key };
    return value;
  }

  current(): ConsolePredictions | undefined {
    return this.last?.value;
  }

  reset(): void {
    this.last = undefined;
  }
}

/**
 * The latest runs, each reported when it is new or anything of it changed
 * (state, steps, progress); only the runs of the latest list are kept.
 */
export class RunTracker {
  private runs = new Map<string, { run: RunStatus; key: string }>();

  next(runs: readonly RunStatus[]): RunStatus[] {
    const kept = new Map(runs.map((run) => [run.id, { run, key: JSON.stringify(run) }]));
    const changed = [...kept.values()].filter(({ run, key }) => this.runs.get(run.id)?.key !== key).map((r) => r.run);
    this.runs = kept;
    return changed;
  }

  current(): RunStatus[] {
    return [...this.runs.values()].map((r) => r.run);
  }

  reset(): void {
    this.runs = new Map();
  }
}
