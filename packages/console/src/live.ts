import { useEffect, useState } from 'preact/hooks';
import type { Alert } from '@meridian/contracts';
import type { LiveEvent, StreamStatus } from './events.ts';

/** Points kept per model: at one `predictions` event every few seconds, the last several minutes. */
export const MAX_POINTS = 240;
/** Alerts kept from the stream, newest first: those raised while another page was open. */
export const MAX_ALERTS = 100;

export interface Series {
  /** Seconds since the epoch (uPlot's x scale). */
  t: number[];
  v: number[];
}

/**
 * What the live event stream has told this tab so far, in memory only: the prediction counts
 * per model over time, the alerts raised since, and the stream's state. Pages subscribe to
 * re-render, or to each event.
 */
export class LiveStore {
  status: StreamStatus = 'closed';
  readonly predictions = new Map<string, Series>();
  alerts: Alert[] = [];
  private readonly changes = new Set<() => void>();
  private readonly events = new Set<(event: LiveEvent) => void>();

  apply(event: LiveEvent, nowMs = Date.now()): void {
    if (event.type === 'predictions') {
      const t = nowMs / 1000;
      for (const [model, count] of Object.entries(event.data.per_model ?? {})) {
        const series = this.predictions.get(model) ?? { t: [], v: [] };
        series.t.push(t);
        series.v.push(count);
        if (series.t.length > MAX_POINTS) {
          series.t.splice(0, series.t.length - MAX_POINTS);
          series.v.splice(0, series.v.length - MAX_POINTS);
        }
        this.predictions.set(model, series);
      }
    }
    if (event.type === 'alert') this.alerts = [event.data, ...this.alerts].slice(0, MAX_ALERTS);
    for (const listener of this.events) listener(event);
    this.notify();
  }

  setStatus(status: StreamStatus): void {
    this.status = status;
    this.notify();
  }

  reset(): void {
    this.predictions.clear();
    this.alerts = [];
    this.setStatus('closed');
  }

  subscribe(listener: () => void): () => void {
    this.changes.add(listener);
    return () => this.changes.delete(listener);
  }

  onEvent(listener: (event: LiveEvent) => void): () => void {
    this.events.add(listener);
    return () => this.events.delete(listener);
  }

  private notify(): void {
    for (const listener of this.changes) listener();
  }
}

export const live = new LiveStore();

/** Re-renders the calling component whenever the live store changes. */
export function useLive(): LiveStore {
  const [, setTick] = useState(0);
  useEffect(() => live.subscribe(() => setTick((n) => n + 1)), []);
  return live;
}

/** The data of each live event type. */
export type LiveData = { [E in LiveEvent as E['type']]: E['data'] };

/** Calls `handler` with every live event of one type while the component is mounted. */
export function useLiveEvent<K extends LiveEvent['type']>(type: K, handler: (data: LiveData[K]) => void): void {
  useEffect(
    () =>
      live.onEvent((event) => {
        if (event.type === type) handler(event.data as LiveData[K]);
      }),
    [type, handler],
  );
}
