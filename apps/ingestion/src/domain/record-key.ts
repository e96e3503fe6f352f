import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every depth, so equal content gives equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The idempotency key of a raw record: its `id` when it brings a usable one,
 * else the sha256 of its canonical JSON, so a retried batch maps onto the
 * same keys whatever the field order.
 */
export function recordKey(raw: unknown): string {
  const id = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as { id?: unknown }).id : undefined;
  if (typeof id === 'string' && id.trim() !== '' && id.length <= 200) return `id:${id.trim()}`;
  return `sha256:${createHash('sha256').update(canonicalJson(raw)).digest('hex')}`;
}
