import { AppError, badRequest, fieldErrors, type FieldError } from '@meridian/service-kit';
import { recordKey } from './record-key.ts';
import type { StreamSpec } from './streams.ts';

/** One record of a batch, classified before anything is published. */
export type Entry =
  | { kind: 'valid'; index: number; key: string; record: Record<string, unknown> }
  | { kind: 'invalid'; index: number; key: string; raw: unknown; errors: FieldError[]; reason: string }
  /** Same key as an earlier record of the same batch. */
  | { kind: 'repeat'; index: number; key: string };

const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);

export function reasonOf(errors: FieldError[]): string {
  return errors.map((e) => `${e.path}: ${e.message}`).join('; ');
}

/**
 * Splits a batch into valid, invalid and repeated records. A body that is
 * not an array, or an element that is not an object, is a malformed batch
 * (400 naming the index) when `nonObjects` is 'refuse-batch'; a binding
 * cannot be answered with a 400, so there such an element is just invalid.
 * Objects that fail the schema are never a 400: they are dead-lettered.
 */
export function splitBatch(o: {
  spec: StreamSpec;
  body: unknown;
  nonObjects: 'refuse-batch' | 'reject-record';
  maxRecords: number;
}): Entry[] {
  if (!Array.isArray(o.body)) {
    throw badRequest(`a batch is a JSON array of records, not ${describe(o.body)}`, [
      { path: '(body)', message: `expected array, received ${describe(o.body)}` },
    ]);
  }
  if (o.body.length > o.maxRecords) {
    throw new AppError({
      code: 'PAYLOAD_TOO_LARGE',
      message: `a batch holds at most ${o.maxRecords} records (got ${o.body.length})`,
    });
  }
  const records: unknown[] = o.body;
  if (o.nonObjects === 'refuse-batch') {
    const malformed = records.flatMap((r, index) =>
      isObject(r) ? [] : [{ path: `${index}`, message: `record ${index} must be an object, received ${describe(r)}` }],
    );
    if (malformed.length) throw badRequest(`malformed batch: ${reasonOf(malformed)}`, malformed);
  }
  const keys = new Set<string>();
  return records.map((raw, index): Entry => {
    const key = recordKey(raw);
    if (keys.has(key)) return { kind: 'repeat', index, key };
    keys.add(key);
    const parsed = isObject(raw) ? o.spec.schema.safeParse(raw) : undefined;
    if (parsed?.success) return { kind: 'valid', index, key, record: parsed.data };
    const errors = parsed
      ? fieldErrors(parsed.error.issues)
      : [{ path: '(record)', message: `expected object, received ${describe(raw)}` }];
    return { kind: 'invalid', index, key, raw, errors, reason: reasonOf(errors) };
  });
}
