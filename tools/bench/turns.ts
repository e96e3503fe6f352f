import { httpCaller, measure, type LoadResult, type Target } from './load.ts';

/** One measuring window of one side, with the CPU milliseconds per request of each process watched. */
export interface TurnWindow extends Omit<LoadResult, 'errors'> {
  cpu: Record<string, number>;
}

/**
 * Two or more ways of serving the same load, measured in turns (A, B, A, B, …) so the machine's
 * drift hits each alike. Each window reads the CPU seconds of the side's processes before and
 * after, and spreads them over every request of the window (the warm-up's too, as it used CPU).
 * Answers each side's windows, in the order of `sides`.
 */
export async function measureInTurns<S>(o: {
  sides: readonly S[];
  turns: number;
  concurrency: number;
  seconds: number;
  warmupSeconds: number;
  target: (side: S) => Target;
  /** CPU seconds so far of each process watched for the side. */
  cpu: (side: S) => Record<string, number>;
  /** Before each of the side's windows (e.g. setting a policy). */
  prepare?: (side: S) => Promise<void>;
  onErrors: (side: S, errors: number) => void;
}): Promise<TurnWindow[][]> {
  const windows: TurnWindow[][] = o.sides.map(() => []);
  for (let turn = 0; turn < o.turns; turn++) {
    for (const [i, side] of o.sides.entries()) {
      await o.prepare?.(side);
      const before = o.cpu(side);
      const { errors, ...figures } = await measure({
        concurrency: o.concurrency,
        seconds: o.seconds,
        warmupSeconds: o.warmupSeconds,
        call: httpCaller(o.target(side), o.concurrency),
      });
      const after = o.cpu(side);
      if (errors) o.onErrors(side, errors);
      const requests = figures.rps * (o.seconds + o.warmupSeconds);
      const cpu = Object.fromEntries(
        Object.entries(after).map(([name, s]) => [name, ((s - (before[name] ?? 0)) * 1000) / requests]),
      );
      windows[i]!.push({ ...figures, cpu });
    }
  }
  return windows;
}

export const mean = (values: readonly number[]) => values.reduce((n, v) => n + v, 0) / values.length;
