import { describe, expect, it } from 'vitest';
import { loadSpamMails, spamDatasetHash } from './spam-data.ts';
import type { SpamMail } from './spam-data.ts';

describe('loadSpamMails', () => {
  it('when loaded, then spam-* folders are label 1 and the ham folders label 0', () => {
    const mails = loadSpamMails();
    const byGroup = new Map<string, Set<number>>();
    for (const m of mails) byGroup.set(m.group, (byGroup.get(m.group) ?? new Set()).add(m.label));
    expect(Object.fromEntries([...byGroup].map(([g, labels]) => [g, [...labels]]))).toEqual({
      'easy-ham-1': [0],
      'easy-ham-2': [0],
      'hard-ham-1': [0],
      'spam-1': [1],
      'spam-2': [1],
    });
    expect(mails).toHaveLength(6046);
    expect(mails.filter((m) => m.label === 1)).toHaveLength(1896);
  });
});

describe('spamDatasetHash', () => {
  const mails: SpamMail[] = [
    { group: 'spam-1', id: '00001', text: 'buy now', label: 1 },
    { group: 'easy-ham-1', id: '00002', text: 'see you at lunch', label: 0 },
  ];

  it('when the mails come in another order, then the hash is the same', () => {
    expect(spamDatasetHash([...mails].reverse())).toBe(spamDatasetHash(mails));
  });

  it('when one character of one text changes, then the hash changes', () => {
    expect(spamDatasetHash([mails[0]!, { ...mails[1]!, text: 'see you at lunch!' }])).not.toBe(spamDatasetHash(mails));
  });

  it('when the text of one mail embeds the record of the next, then it does not hash like two mails', () => {
    const two = [
      { ...mails[1]!, text: 'see you' },
      { ...mails[0]!, text: 'buy now' },
    ];
    // Exactly the bytes the second mail contributes; only the length in each record tells them apart.
    const one = [{ ...mails[1]!, text: `see you${JSON.stringify(['spam-1', '00001', 1, 7])}\nbuy now` }];
    expect(spamDatasetHash(one)).not.toBe(spamDatasetHash(two));
  });
});
