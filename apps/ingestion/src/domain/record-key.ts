import { hash } from 'node:crypto';
import { canonicalJson } from '@meridian/service-kit';

/**
 * The idempotency key of a raw record: its `id` when it brings a usable one,
 * else the sha256 of its canonical JSON, so a retried batch maps onto the
 * same keys whatever the field order.
 */
export function recordKey(raw: unknown): string {
  const id = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as { id?: unknown }).id : undefined;
  if (typeof id === 'string' && id.trim() !== '' && id.length <= 200) return `id:${id.trim()}`;
  return `sha256:${hash('sha256', canonicalJson(raw), 'hex')}`;
}
