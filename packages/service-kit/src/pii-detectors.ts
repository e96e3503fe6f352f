/** Value detectors: what PII looks like inside any string. */

// Each pattern starts only where a token starts (lookbehind), so a long run costs one pass, not one per position.
export const JWT = /(?<![\w-])eyJ[\w-]{2,}\.eyJ[\w-]{2,}\.[\w-]*/g;
export const QUERY_PARAM = /([?&;])([^=&#\s?;]{1,64})=([^&#\s;]+)/g;
export const EMAIL = /(?<![\w.%+-])[\w.%+-]{1,64}@(?:[A-Za-z\d-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![A-Za-z\d-])/g;
export const CARD = /(?<![\w.+-])\d(?:[ -]?\d){12,18}(?![\w]|[.-]\d)/g;
export const PHONE = new RegExp(
  [
    '(?<![\\w+.-])(?:',
    '(?:\\+|00)[1-9]\\d*(?:[ .-]?\\(\\d{1,4}\\)[ .-]?\\d+)?(?:[ .-]\\d+)*', // +44 (0)20 7946 0958, +33612345678, 0044 20 …
    '|\\(\\d{2,5}\\)[ .-]?\\d+(?:[ .-]\\d+)*', // (555) 123-4567
    '|0[1-9]\\d*(?:(?<s1>[ .-])\\d+(?:\\k<s1>\\d+)*)?', // 0612345678, 06 12 34 56 78, 020 7946 0958: one separator, so no date-time
    '|(?:1[ .-])?\\d{3}(?<s2>[ .-])\\d{3}\\k<s2>\\d{4}', // 555-123-4567
    ')(?![\\w]|[.-]\\d)',
  ].join(''),
  'g',
);

/** A whole ISO 8601 date-time (`ts`, `received_at`): common, never PII, and slow to reject digit by digit. */
export const ISO_DATE_TIME = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?(?:Z|[+-]\d\d:?\d\d)?$/;

export const digitsOf = (s: string) => s.replace(/\D/g, '');

export function hasDigits(s: string, atLeast: number): boolean {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57 && ++n >= atLeast) return true;
  }
  return false;
}

export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Issuer prefixes (Visa, Mastercard, Amex, Diners, JCB, Discover, UnionPay, Maestro): keeps epoch-ms and ids starting with 1 out. */
export const CARD_PREFIX = /^(?:4|5|6|2[2-7]|3[04-9])/;
export const isCard = (m: string) => {
  const d = digitsOf(m);
  return d.length >= 13 && d.length <= 19 && CARD_PREFIX.test(d) && luhn(d);
};
export const isPhone = (m: string) => {
  const n = digitsOf(m.startsWith('00') ? m.slice(2) : m).length;
  return n >= 9 && n <= 15;
};
