export const MASK = '***';

/**
 * A copy of the record with the PII fields' values replaced, for anything
 * that leaves the app. A field that is absent stays absent (its absence
 * tells nothing); anything that is not an object is returned as it is.
 */
export function maskRecord<T>(record: T, pii: readonly string[]): T {
  if (!pii.length || record === null || typeof record !== 'object' || Array.isArray(record)) return record;
  const copy: Record<string, unknown> = { ...(record as Record<string, unknown>) };
  for (const field of pii) if (field in copy) copy[field] = MASK;
  return copy as T;
}
