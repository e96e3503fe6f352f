/**
 * PII masking for whatever leaves a service: published events, dead letters,
 * log lines, audit records. A field is masked by its name (declared names,
 * exact and case-insensitive, plus built-in patterns), and every string
 * anywhere goes through value detectors (e-mail, phone, payment card, JWT,
 * secret query parameters) that replace only what they find.
 */

import { JWT, QUERY_PARAM, EMAIL, CARD, PHONE, ISO_DATE_TIME, hasDigits, isCard, isPhone } from './pii-detectors.ts';
import { isBuiltInPiiName } from './pii-names.ts';

export const PII_MASK = '[masked]';
export const PII_MARKERS = {
  email: '[email]',
  phone: '[phone]',
  card: '[card]',
  jwt: '[jwt]',
  depth: '[depth limit]',
  circular: '[circular]',
  truncated: '[truncated]',
  unreadable: '[unreadable]',
  binary: '[binary]',
} as const;

export interface PiiMaskerOptions {
  /** Field names masked at any depth, case-insensitive (a stream's or a model's PII fields). */
  names?: readonly string[];
  /** The built-in name patterns (isBuiltInPiiName); default true. */
  builtInNames?: boolean;
  /** Deeper subtrees become PII_MARKERS.depth (default 32). */
  maxDepth?: number;
  /** Values visited per call; past it the rest becomes PII_MARKERS.truncated (default 100,000). */
  maxNodes?: number;
  /** Longer strings are replaced by their length, unscanned (default 1,000,000 chars). */
  maxStringLength?: number;
}

export interface PiiMasker {
  /** A masked deep copy; never throws and never changes its input. */
  mask(value: unknown): unknown;
  /** The text with detected e-mails, phones, cards, JWTs and secret query parameters replaced. */
  maskText(text: string): string;
  /** Whether a field of this name has its whole value masked. */
  isPiiName(name: string): boolean;
}

interface Walk {
  nodes: number;
  ancestors: object[];
}

interface KeyInfo {
  pii: boolean;
  /** The key itself through the detectors: a key can be an e-mail address too. */
  out: string;
}

export function createPiiMasker(opts: PiiMaskerOptions = {}): PiiMasker {
  const declared = new Set((opts.names ?? []).map((n) => n.toLowerCase()));
  const builtIn = opts.builtInNames ?? true;
  const maxDepth = opts.maxDepth ?? 32;
  const maxNodes = opts.maxNodes ?? 100_000;
  const maxString = opts.maxStringLength ?? 1_000_000;
  const keys = new Map<string, KeyInfo>();

  const isPiiName = (name: string) => declared.has(name.toLowerCase()) || (builtIn && isBuiltInPiiName(name));

  function maskText(text: string): string {
    if (text.length < 6) return text;
    if (text.length > maxString) return `[${text.length} chars, unscanned]`;
    let out = text;
    if (out.includes('eyJ')) out = out.replace(JWT, PII_MARKERS.jwt);
    if (out.includes('='))
      out = out.replace(QUERY_PARAM, (m, sep: string, name: string) =>
        isPiiName(name) ? `${sep}${name}=${PII_MASK}` : m,
      );
    if (out.includes('@')) out = out.replace(EMAIL, PII_MARKERS.email);
    if (hasDigits(out, 9) && !ISO_DATE_TIME.test(out)) {
      out = out.replace(CARD, (m) => (isCard(m) ? PII_MARKERS.card : m));
      out = out.replace(PHONE, (m) => (isPhone(m) ? PII_MARKERS.phone : m));
    }
    return out;
  }

  function keyInfo(key: string): KeyInfo {
    let info = keys.get(key);
    if (!info) {
      // Keys are usually a few field names; a flood of distinct ones (a map keyed by ids) must not grow the cache forever.
      if (keys.size >= 10_000) keys.clear();
      info = { pii: isPiiName(key), out: maskText(key) };
      keys.set(key, info);
    }
    return info;
  }

  function walk(value: unknown, depth: number, pii: boolean, w: Walk): unknown {
    w.nodes++;
    switch (typeof value) {
      case 'string':
        return pii ? PII_MASK : maskText(value);
      case 'number':
      case 'bigint':
        return pii ? PII_MASK : value;
      case 'object':
        break;
      default:
        return value; // booleans, undefined, functions and symbols hold no PII (and JSON drops the last three)
    }
    if (value === null) return null;
    if (depth >= maxDepth) return PII_MARKERS.depth;
    if (w.ancestors.includes(value)) return PII_MARKERS.circular;
    w.ancestors.push(value);
    try {
      return walkObject(value, depth, pii, w);
    } catch {
      return PII_MARKERS.unreadable; // a throwing getter or proxy
    } finally {
      w.ancestors.pop();
    }
  }

  function walkObject(obj: object, depth: number, pii: boolean, w: Walk): unknown {
    if (Array.isArray(obj)) {
      const out: unknown[] = [];
      for (const item of obj) {
        if (w.nodes >= maxNodes) return [...out, PII_MARKERS.truncated];
        out.push(walk(item, depth + 1, pii, w));
      }
      return out;
    }
    if (obj instanceof Error) return copyError(obj, depth, pii, w);
    if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) return PII_MARKERS.binary;
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return walk(toJSON.call(obj), depth + 1, pii, w); // a Date becomes its ISO string, as in JSON
    return walkFields(obj, depth, pii, w);
  }

  function walkFields(obj: object, depth: number, pii: boolean, w: Walk): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const names = Object.keys(obj);
    for (let i = 0; i < names.length; i++) {
      if (w.nodes >= maxNodes) {
        out[PII_MARKERS.truncated] = `${names.length - i} more fields`;
        break;
      }
      const key = names[i]!;
      const info = keyInfo(key);
      const name = info.out === key || !Object.hasOwn(out, info.out) ? info.out : `${info.out}#${i}`;
      const masked = walk((obj as Record<string, unknown>)[key], depth + 1, pii || info.pii, w);
      // A JSON `__proto__` key is an own field; assigning it would change the copy's prototype instead.
      if (name === '__proto__')
        Object.defineProperty(out, name, { value: masked, enumerable: true, writable: true, configurable: true });
      else out[name] = masked;
    }
    return out;
  }

  /** Still an Error of the same class (loggers serialize it as one), with message, stack and cause masked. */
  function copyError(err: Error, depth: number, pii: boolean, w: Walk): Error {
    const copy = Object.assign(
      Object.create(Object.getPrototypeOf(err) as object | null) as Error,
      walkFields(err, depth, pii, w),
    );
    const hidden = (key: string, value: unknown) =>
      Object.defineProperty(copy, key, { value, enumerable: false, writable: true, configurable: true });
    hidden('message', typeof err.message === 'string' ? (pii ? PII_MASK : maskText(err.message)) : err.message);
    if (typeof err.stack === 'string') hidden('stack', pii ? PII_MASK : maskText(err.stack));
    if ('cause' in err) hidden('cause', walk(err.cause, depth + 1, pii, w));
    return copy;
  }

  return {
    mask(value) {
      try {
        return walk(value, 0, false, { nodes: 0, ancestors: [] });
      } catch {
        return PII_MARKERS.unreadable;
      }
    },
    maskText,
    isPiiName,
  };
}

const defaultMasker = createPiiMasker();

/** Built-in names and value detectors, no declared names. */
export const maskPii = (value: unknown): unknown => defaultMasker.mask(value);
export const maskPiiText = (text: string): string => defaultMasker.maskText(text);

/**
 * For the gateway's audit log: the record (or its summary) with built-in PII
 * names and detected values masked. An e-mail used as a subject comes out as
 * [email]; a field named `ip` is masked whole.
 */
export function maskAuditRecord(record: unknown): unknown {
  return defaultMasker.mask(record);
}
export { isBuiltInPiiName } from './pii-names.ts';
