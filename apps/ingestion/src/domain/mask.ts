import { createPiiMasker, PII_MASK, type PiiMasker } from '@meridian/service-kit';

export const MASK = PII_MASK;

const maskers = new WeakMap<readonly string[], PiiMasker>();

/**
 * The masker of a stream: its declared PII fields (matched at any depth,
 * case-insensitive), the built-in PII names and the value detectors (e-mail,
 * phone, card numbers...) on every string. One per PII list, so its cache of
 * field names lives as long as the stream.
 */
export function streamMasker(pii: readonly string[]): PiiMasker {
  let masker = maskers.get(pii);
  if (!masker) {
    masker = createPiiMasker({ names: pii });
    maskers.set(pii, masker);
  }
  return masker;
}
