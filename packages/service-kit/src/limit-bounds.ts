import { z } from 'zod';
import type { LimitBounds } from './concurrency-limit.ts';

const BOUNDS = /^(\d+)(?:\.\.(\d+)(?:@(\d+))?)?$/;

/** `min..max@initial`, `min..max` (starts at min), `n` (fixed) or `off`; a problem is a sentence. */
export function parseLimitBounds(text: string): LimitBounds | 'off' | { problem: string } {
  const trimmed = text.trim();
  if (trimmed === 'off') return 'off';
  const m = BOUNDS.exec(trimmed);
  if (!m) return { problem: `"${trimmed}" is not min..max@initial, min..max, a number or off` };
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  const initial = m[3] === undefined ? min : Number(m[3]);
  if (!(min >= 1 && min <= initial && initial <= max && max <= 1_000_000))
    return { problem: `"${trimmed}" needs 1 <= min <= initial <= max <= 1000000` };
  return { min, max, initial };
}

/** A zod schema for one bounds value, for env shapes. */
export function limitBoundsFrom(defaultText: string) {
  return z
    .string()
    .default(defaultText)
    .transform((text, ctx): LimitBounds | 'off' => {
      const parsed = parseLimitBounds(text);
      if (typeof parsed === 'object' && 'problem' in parsed) {
        ctx.addIssue({ code: 'custom', message: parsed.problem });
        return z.NEVER;
      }
      return parsed;
    });
}
