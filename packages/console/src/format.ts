/** How numbers and times read in the console: a dash for what is missing, never NaN. */

const missing = (n: number | null | undefined): n is null | undefined =>
  n === null || n === undefined || !Number.isFinite(n);

export function fmtNumber(n: number | null | undefined, digits = 2): string {
  if (missing(n)) return '—';
  return n.toLocaleString('en', { maximumFractionDigits: digits });
}

export function fmtPercent(share: number | null | undefined, digits = 1): string {
  return missing(share) ? '—' : `${(share * 100).toFixed(digits)} %`;
}

export function fmtMs(ms: number | null | undefined): string {
  return missing(ms) ? '—' : `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

export function fmtTime(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });
}

/** A short readable form of a JSON value (evidence, summaries): numbers rounded, objects inline. */
export function fmtValue(value: unknown): string {
  if (typeof value === 'number') return fmtNumber(value, 4);
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '—';
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toFixed(4)) : v));
}

/** Requests per second over a window from `from` to `to` (ISO times); null when it has no length. */
export function ratePerSecond(requests: number, from?: string, to?: string): number | null {
  if (!from || !to) return null;
  const seconds = (Date.parse(to) - Date.parse(from)) / 1000;
  return seconds > 0 ? requests / seconds : null;
}
