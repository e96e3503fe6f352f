/**
 * PII masking for whatever leaves a service: published events, dead letters,
 * log lines, audit records. A field is masked by its name (declared names,
 * exact and case-insensitive, plus built-in patterns), and every string
 * anywhere goes through value detectors (e-mail, phone, payment card, JWT,
 * secret query parameters) that replace only what they find.
 */

export const PII_MASK = '[masked]';
export const PII_MARKERS = {
  email: '[email]', phone: '[phone]', card: '[card]', jwt: '[jwt]',
  depth: '[depth limit]', circular: '[circular]', truncated: '[truncated]', unreadable: '[unreadable]', binary: '[binary]',
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

/** The last one to three words of a field name that say it holds PII or a secret. */
const PII_HEADS = new Set([
  'email', 'emails', 'mail', 'email_address', 'emailaddress',
  'phone', 'phones', 'phone_number', 'phonenumber', 'mobile', 'mobile_number', 'mobilenumber', 'tel', 'telephone', 'fax', 'msisdn',
  'ssn', 'social_security', 'social_security_number', 'socialsecuritynumber', 'national_id', 'passport', 'passport_number',
  'card', 'cards', 'card_number', 'cardnumber', 'credit_card', 'creditcard', 'cc_number', 'ccnumber', 'cc_num', 'pan', 'cvv', 'cvc',
  'iban', 'account_number', 'bank_account', 'cardholder', 'cardholder_name',
  'password', 'passwords', 'passwd', 'pwd', 'passphrase', 'password_hash', 'secret', 'secrets', 'token',
  'api_key', 'apikey', 'private_key', 'secret_key', 'access_key', 'authorization', 'cookie', 'cookies', 'credential', 'credentials',
  'first_name', 'firstname', 'last_name', 'lastname', 'full_name', 'fullname', 'given_name', 'givenname', 'family_name', 'familyname',
  'middle_name', 'maiden_name', 'surname', 'forename', 'user_name', 'username', 'customer_name', 'contact_name', 'person_name',
  'patient_name', 'holder_name', 'legal_name',
  'address', 'addresses', 'street', 'street_address', 'address_line', 'postcode', 'post_code', 'postal_code', 'zip_code', 'zipcode',
  'dob', 'date_of_birth', 'dateofbirth', 'birth_date', 'birthdate', 'birthday',
  'ip', 'ips', 'ip_address', 'ipaddress', 'ip_addr', 'remote_addr', 'forwarded_for',
]);
/** Names that end like PII but are not. */
const NOT_PII_HEADS = new Set(['mac_address', 'memory_address', 'listen_address', 'bind_address', 'server_address', 'host_address', 'base_address', 'model_card', 'data_card', 'dataset_card']);

/** `userEmail`, `user-email`, `USER_EMAIL` → user, email; trailing digits dropped (address_line1, cvv2). */
function wordsOf(name: string): string[] {
  const spaced = name.replace(/([a-z\d])([A-Z])/g, '$1_$2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2').toLowerCase();
  const words: string[] = [];
  for (const w of spaced.split(/[^a-z\d]+/)) {
    const word = /^ipv[46]$/.test(w) ? 'ip' : w.replace(/\d+$/, '');
    if (word) words.push(word);
  }
  return words;
}

/**
 * The name's head (its last words) decides, so `user_email` and `access_token`
 * are PII while `email_count`, `token_count`, `max_tokens` and `model_name` are not.
 */
export function isBuiltInPiiName(name: string): boolean {
  const w = wordsOf(name);
  const n = w.length;
  if (!n) return false;
  const h1 = w[n - 1]!;
  const h2 = n > 1 ? `${w[n - 2]}_${h1}` : '';
  const h3 = n > 2 ? `${w[n - 3]}_${h2}` : '';
  if (NOT_PII_HEADS.has(h2)) return false;
  return PII_HEADS.has(h1) || PII_HEADS.has(h2) || PII_HEADS.has(h3);
}

// Each pattern starts only where a token starts (lookbehind), so a long run costs one pass, not one per position.
const JWT = /(?<![\w-])eyJ[\w-]{2,}\.eyJ[\w-]{2,}\.[\w-]*/g;
const QUERY_PARAM = /([?&;])([^=&#\s?;]{1,64})=([^&#\s;]+)/g;
const EMAIL = /(?<![\w.%+-])[\w.%+-]{1,64}@(?:[A-Za-z\d-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![A-Za-z\d-])/g;
const CARD = /(?<![\w.+-])\d(?:[ -]?\d){12,18}(?![\w]|[.-]\d)/g;
const PHONE = new RegExp([
  '(?<![\\w+.-])(?:',
  '(?:\\+|00)[1-9]\\d*(?:[ .-]?\\(\\d{1,4}\\)[ .-]?\\d+)?(?:[ .-]\\d+)*', // +44 (0)20 7946 0958, +33612345678, 0044 20 …
  '|\\(\\d{2,5}\\)[ .-]?\\d+(?:[ .-]\\d+)*', // (555) 123-4567
  '|0[1-9]\\d*(?:(?<s1>[ .-])\\d+(?:\\k<s1>\\d+)*)?', // 0612345678, 06 12 34 56 78, 020 7946 0958: one separator, so no date-time
  '|(?:1[ .-])?\\d{3}(?<s2>[ .-])\\d{3}\\k<s2>\\d{4}', // 555-123-4567
  ')(?![\\w]|[.-]\\d)',
].join(''), 'g');

/** A whole ISO 8601 date-time (`ts`, `received_at`): common, never PII, and slow to reject digit by digit. */
const ISO_DATE_TIME = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?(?:Z|[+-]\d\d:?\d\d)?$/;

const digitsOf = (s: string) => s.replace(/\D/g, '');

function hasDigits(s: string, atLeast: number): boolean {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57 && ++n >= atLeast) return true;
  }
  return false;
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1 && (d *= 2) > 9) d -= 9;
    sum += d;
  }
  return sum % 10 === 0;
}

/** Issuer prefixes (Visa, Mastercard, Amex, Diners, JCB, Discover, UnionPay, Maestro): keeps epoch-ms and ids starting with 1 out. */
const CARD_PREFIX = /^(?:4|5|6|2[2-7]|3[04-9])/;
const isCard = (m: string) => {
  const d = digitsOf(m);
  return d.length >= 13 && d.length <= 19 && CARD_PREFIX.test(d) && luhn(d);
};
const isPhone = (m: string) => {
  const n = digitsOf(m.startsWith('00') ? m.slice(2) : m).length;
  return n >= 9 && n <= 15;
};

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
    if (out.includes('=')) out = out.replace(QUERY_PARAM, (m, sep: string, name: string) => (isPiiName(name) ? `${sep}${name}=${PII_MASK}` : m));
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
      case 'string': return pii ? PII_MASK : maskText(value);
      case 'number': case 'bigint': return pii ? PII_MASK : value;
      case 'object': break;
      default: return value; // booleans, undefined, functions and symbols hold no PII (and JSON drops the last three)
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
      if (name === '__proto__') Object.defineProperty(out, name, { value: masked, enumerable: true, writable: true, configurable: true });
      else out[name] = masked;
    }
    return out;
  }

  /** Still an Error of the same class (loggers serialize it as one), with message, stack and cause masked. */
  function copyError(err: Error, depth: number, pii: boolean, w: Walk): Error {
    const copy = Object.assign(Object.create(Object.getPrototypeOf(err) as object | null) as Error, walkFields(err, depth, pii, w));
    const hidden = (key: string, value: unknown) => Object.defineProperty(copy, key, { value, enumerable: false, writable: true, configurable: true });
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
