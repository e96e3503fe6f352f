import { AppError, badRequest } from './errors.ts';
import { assertJsonDepth, BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, OPEN_ARRAY, OPEN_OBJECT, QUOTE } from './json-depth.ts';

const COLON = 0x3a;
const COMMA = 0x2c;
const isWhitespace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
/** A member's name is kept up to this many bytes: `entries` written with escapes (`\\u0065ntries`) fits. */
const KEY_BYTES = 64;

/**
 * Cuts a bulk delivery (`{"entries":[{…},{…}],…}`) into the bytes of its entries as they arrive,
 * so that no delivery needs to be held whole: Dapr bounds a bulk delivery by its number of
 * events, not its bytes, and one of 500 events of up to 4 MiB each is more than a string can
 * hold. One pass over the bytes, skipping strings; refuses nesting deeper than `maxDepth`
 * (as every JSON body is) and an entry larger than `maxEntryBytes` (more than a sidecar can
 * publish). Every other member of the envelope is read past, not kept, and its syntax is checked
 * only as far as the cut needs (brackets, strings, the `entries` array of objects): a delivery comes
 * from the app's own sidecar, and each entry is parsed in full.
 */
export class EntrySplitter {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** A string at depth 1 now is a member's name (after `{` or `,`), not a value. */
  private expectKey = false;
  /** Reading a member's name: its first bytes, enough to tell `entries`. */
  private keyBytes: number[] | undefined;
  private lastKey = '';
  private inEntries = false;
  private sawEntries = false;
  /** The `entries` name was just read: its value, next, must be an array. */
  private entriesNext = false;
  private started = false;
  private finished = false;
  /** The entry being read: its pieces from earlier chunks, where it starts in this one, its size so far. */
  private pieces: Buffer[] = [];
  private entryStart = -1;
  private entrySize = 0;

  constructor(private readonly o: { maxDepth: number; maxEntryBytes: number }) {}

  /** The entries completed by this chunk, in order. */
  push(chunk: Buffer): Buffer[] {
    const done: Buffer[] = [];
    for (let i = 0; i < chunk.length; i++) {
      if (this.inString) {
        i = this.skipString(chunk, i) - 1;
        continue;
      }
      const c = chunk[i]!;
      if (isWhitespace(c)) continue;
      if (this.finished) throw badRequest('a bulk delivery has bytes after its end');
      if (!this.started) {
        if (c !== OPEN_OBJECT) throw badRequest('a bulk delivery must be a JSON object');
        this.started = true;
      }
      if (this.entriesNext && c !== COLON) {
        if (c !== OPEN_ARRAY) throw badRequest('the "entries" member of a bulk delivery must be an array');
        this.entriesNext = false;
      }
      // Inside `entries`, between entries: only the comma or an entry's opening brace.
      if (this.depth === 2 && this.inEntries && c !== COMMA && c !== OPEN_OBJECT && c !== CLOSE_ARRAY)
        throw badRequest('each entry of a bulk delivery must be a JSON object');
      if (c === QUOTE) {
        this.inString = true;
        if (this.depth === 1 && this.expectKey) this.keyBytes = [];
        this.expectKey = false;
      } else if (c === COMMA && this.depth === 1) {
        this.expectKey = true;
        this.lastKey = '';
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (++this.depth > this.o.maxDepth)
          throw badRequest(`request body is nested deeper than ${this.o.maxDepth} levels`);
        if (this.depth === 1) this.expectKey = true;
        else if (this.depth === 2 && c === OPEN_ARRAY && this.lastKey === 'entries') this.inEntries = true;
        else if (this.depth === 3 && this.inEntries) {
          this.entryStart = i;
          this.entrySize = 0;
          this.pieces = [];
        }
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        if (this.depth === 3 && this.inEntries) {
          const last = chunk.subarray(this.entryStart, i + 1);
          this.grow(last.length);
          done.push(this.pieces.length ? Buffer.concat([...this.pieces, last]) : last);
          this.pieces = [];
          this.entryStart = -1;
        } else if (this.depth === 2 && this.inEntries) this.inEntries = false;
        this.depth -= 1;
        if (this.depth === 0) this.finished = true;
      } else if (c !== COLON && this.depth === 1) {
        // A member's value that is not a string, object or array (a number, true, false, null).
        this.expectKey = false;
      }
    }
    if (this.entryStart !== -1) {
      const piece = chunk.subarray(this.entryStart);
      this.grow(piece.length);
      this.pieces.push(piece);
      this.entryStart = 0;
    }
    return done;
  }

  /**
   * Reads a string's bytes from `from` (inside it): to its closing quote, or to the chunk's end.
   * Answers where to go on. The quote is found by indexOf, not byte by byte: most of an entry's
   * bytes are in strings.
   */
  private skipString(chunk: Buffer, from: number): number {
    let at = from;
    if (this.escaped) {
      // The byte after a backslash that ended the last chunk: escaped, whatever it is.
      this.escaped = false;
      if (this.keyBytes && this.keyBytes.length <= KEY_BYTES) this.keyBytes.push(chunk[at]!);
      at += 1;
    }
    for (;;) {
      const quote = chunk.indexOf(QUOTE, at);
      const end = quote === -1 ? chunk.length : quote;
      // Backslashes just before the quote (or the chunk's end): an odd run escapes what follows.
      let slashes = 0;
      while (end - slashes - 1 >= at && chunk[end - slashes - 1] === BACKSLASH) slashes += 1;
      if (this.keyBytes && this.keyBytes.length <= KEY_BYTES)
        for (let k = at; k < end && this.keyBytes.length <= KEY_BYTES; k++) this.keyBytes.push(chunk[k]!);
      if (quote === -1) {
        this.escaped = slashes % 2 === 1;
        return chunk.length;
      }
      if (slashes % 2 === 1) {
        if (this.keyBytes && this.keyBytes.length <= KEY_BYTES) this.keyBytes.push(QUOTE);
        at = quote + 1;
        continue;
      }
      this.inString = false;
      if (this.keyBytes) {
        this.lastKey = memberName(this.keyBytes) === 'entries' ? 'entries' : 'other';
        this.keyBytes = undefined;
        if (this.lastKey === 'entries') {
          if (this.sawEntries) throw badRequest('a bulk delivery has two "entries" members');
          this.sawEntries = true;
          this.entriesNext = true;
        }
      }
      return quote + 1;
    }
  }

  /** Throws unless the delivery ended where its JSON object ends. */
  end(): void {
    if (!this.finished) throw badRequest('a bulk delivery ended before its JSON did');
  }

  private grow(bytes: number): void {
    this.entrySize += bytes;
    if (this.entrySize > this.o.maxEntryBytes)
      throw new AppError({
        code: 'PAYLOAD_TOO_LARGE',
        message: `an entry of this bulk delivery is larger than ${this.o.maxEntryBytes} bytes`,
      });
  }
}

/** A member's name from its bytes as written (escapes decoded), or '' past KEY_BYTES. */
function memberName(bytes: number[]): string {
  if (bytes.length > KEY_BYTES) return '';
  const text = Buffer.from(bytes).toString('utf8');
  if (!bytes.includes(BACKSLASH)) return text;
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return '';
  }
}

/** The entries of a delivery read whole: the same checks as the splitter's, one parse. */
function wholeDelivery(body: Buffer, maxDepth: number): unknown[] {
  try {
    assertJsonDepth(body, maxDepth);
  } catch (err) {
    throw badRequest((err as Error).message);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw badRequest(`a bulk delivery is not valid JSON: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw badRequest('a bulk delivery must be a JSON object');
  const entries = (parsed as { entries?: unknown }).entries ?? [];
  if (!Array.isArray(entries)) throw badRequest('the "entries" member of a bulk delivery must be an array');
  if (entries.some((e) => !e || typeof e !== 'object' || Array.isArray(e)))
    throw badRequest('each entry of a bulk delivery must be a JSON object');
  return entries;
}

/**
 * A bulk delivery's entries, parsed, in parts of about `partBytes` each (an entry larger than
 * that is a part of its own): the caller handles a part before the next is read, so an app
 * holds one part of a delivery at a time however large the delivery is. A delivery no larger
 * than a part (nearly all) is parsed whole, in one JSON.parse: cheaper than cutting it, which
 * a run of the pipeline showed in the monitor's CPU (its events are mostly numbers).
 */
export async function* deliveryParts(
  body: AsyncIterable<Buffer> | Iterable<Buffer>,
  o: { partBytes: number; maxEntryBytes: number; maxDepth: number },
): AsyncGenerator<unknown[]> {
  const head: Buffer[] = [];
  let headBytes = 0;
  let splitter: EntrySplitter | undefined;
  let part: unknown[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (!splitter) {
      head.push(chunk);
      headBytes += chunk.length;
      if (headBytes <= o.partBytes) continue;
      splitter = new EntrySplitter(o);
    }
    for (const piece of head.length ? head.splice(0) : [chunk])
      for (const entry of splitter.push(piece)) {
        try {
          part.push(JSON.parse(entry.toString('utf8')));
        } catch (err) {
          throw badRequest(`an entry of this bulk delivery is not valid JSON: ${(err as Error).message}`);
        }
        size += entry.length;
        if (size >= o.partBytes) {
          yield part;
          part = [];
          size = 0;
        }
      }
  }
  if (!splitter) {
    const entries = wholeDelivery(Buffer.concat(head), o.maxDepth);
    if (entries.length) yield entries;
    return;
  }
  splitter.end();
  if (part.length) yield part;
}
