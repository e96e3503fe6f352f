/** Tokenizer settings; snake_case because they are stored verbatim in the model card's JSON. */
export interface TokenizerOptions {
  /**
   * Header fields (lower case) whose values are tokenized, each token prefixed "<field>:" (e.g.
   * "subject:free"). Every other header is skipped: routing headers (Received, Date, Message-Id…)
   * describe how and when a corpus was collected, not what the sender wrote.
   */
  headers: string[];
  /** Word tokens shorter than this many UTF-16 units are dropped ("a", "t" of "don't"). */
  min_length: number;
  /** Longer word tokens are dropped: they are base64 or other encoded blobs, not words. */
  max_length: number;
}

// A header line, a folded continuation of one, or the mbox envelope line ("From addr date").
const HEADER_LINE = /^(?:[!-9;-~]+:|[ \t]|from )/;
const HEADER_FIELD = /^([!-9;-~]+):(.*)$/;
// A block counts as mail headers only if it has one of these, so plain text whose first
// paragraph happens to look like "Note: …" keeps that paragraph as body text.
const MAIL_MARKER = /^(?:from |(?:from|subject|to|date|received|message-id|return-path):)/m;

/**
 * One pass finds, in priority order at each position: a URL (host captured), an e-mail domain
 * (the local part is left to the word rule), a word of letters/digits, or a "$"/"!" mark.
 * Every alternative is linear in its match, so hostile input cannot make the scan quadratic.
 */
const TOKEN = /(?:https?:\/\/|www\.)([\p{L}\p{N}.-]+)|@([\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+)|([\p{L}\p{N}]+)|([$!])/gu;

/**
 * Tokens of a raw mail (headers and body) or of plain text, lower-cased, at most `limit` of them.
 * Kept headers come first, then the body. Nothing is decoded (no MIME, base64 or entities): the
 * tokens are a pure function of the characters, which is what serving can reproduce exactly.
 */
export function tokenizeMail(text: string, options: TokenizerOptions, limit = Number.POSITIVE_INFINITY): string[] {
  const tokens: string[] = [];
  const lower = text.replace(/\r\n?/g, '\n').toLowerCase();
  const { headers, body } = splitMail(lower);
  const kept = new Set(options.headers);
  for (const [field, value] of headers) {
    if (kept.has(field)) scan({ text: value, prefix: `${field}:`, options, tokens, limit });
  }
  scan({ text: body, prefix: '', options, tokens, limit });
  return tokens;
}

/** Header block and body; text whose head is not a well-formed header block is all body. */
function splitMail(text: string): { headers: [string, string][]; body: string } {
  const end = text.indexOf('\n\n');
  if (end < 0) return { headers: [], body: text };
  const head = text.slice(0, end);
  const lines = head.split('\n');
  if (!MAIL_MARKER.test(head) || !lines.every((line) => HEADER_LINE.test(line))) return { headers: [], body: text };
  const headers: [string, string][] = [];
  for (const line of lines) {
    const field = HEADER_FIELD.exec(line);
    const last = headers[headers.length - 1];
    if (field !== null && !/^[ \t]/.test(line)) headers.push([field[1]!, field[2]!]);
    else if (/^[ \t]/.test(line) && last !== undefined) last[1] += ` ${line.trim()}`; // unfold
  }
  return { headers, body: text.slice(end + 2) };
}

interface ScanState {
  text: string;
  prefix: string;
  options: TokenizerOptions;
  tokens: string[];
  limit: number;
}

function scan(state: ScanState): void {
  const { text, prefix, options, tokens, limit } = state;
  const push = (token: string): boolean => {
    if (tokens.length >= limit) return false;
    tokens.push(prefix + token);
    return true;
  };
  for (const match of text.matchAll(TOKEN)) {
    if (tokens.length >= limit) return;
    const [, host, domain, word, mark] = match;
    if (host !== undefined) {
      const name = host.replace(/^\.+|[.-]+$/g, '');
      if (name === '') continue;
      push(`url:${name}`);
      // The registered part ("example.com" of "mail.example.com") generalises across subdomains.
      const labels = name.split('.');
      if (labels.length > 2) push(`url:${labels.slice(-2).join('.')}`);
    } else if (domain !== undefined) {
      push(`email:${domain}`);
    } else if (word !== undefined) {
      if (word.length >= options.min_length && word.length <= options.max_length) push(word);
    } else if (mark !== undefined) {
      push(mark);
    }
  }
}
