/** The bytes of JSON's structure (ASCII: never part of a multi-byte UTF-8 character). */
export const OPEN_OBJECT = 0x7b;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_OBJECT = 0x7d;
export const CLOSE_ARRAY = 0x5d;
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;

/**
 * Refuses a JSON text nested deeper than `max` before it is parsed: a deep
 * body costs nothing to send and a stack to walk (validation, masking, logs).
 * One pass over the bytes, skipping strings.
 */
export function assertJsonDepth(body: Buffer, max: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      // A plain error with a type, as the body parser expects of what its verify hook throws.
      if (++depth > max)
        throw Object.assign(new Error(`request body is nested deeper than ${max} levels`), { type: 'entity.too.deep' });
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    }
  }
}
