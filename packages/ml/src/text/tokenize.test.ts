import { describe, expect, it } from 'vitest';
import { tokenizeMail } from './tokenize.ts';
import type { TokenizerOptions } from './tokenize.ts';

const options: TokenizerOptions = { headers: ['subject', 'from'], min_length: 2, max_length: 12 };

const mail = [
  'From spammer@example.com  Thu Aug 22 12:36:23 2002',
  'Received: from relay.example.net by mx.local',
  'Subject: FREE Money',
  '  for you',
  'From: Deals <deals@Shop.Example.com>',
  'Date: Thu, 22 Aug 2002 07:36:16 -0400',
  '',
  'Visit http://www.Deals.example.com/offer now!',
].join('\n');

describe('tokenizeMail', () => {
  it('when a mail has headers, then only the listed ones are kept, prefixed, folded lines joined, before the body', () => {
    expect(tokenizeMail(mail, options)).toEqual([
      'subject:free',
      'subject:money',
      'subject:for',
      'subject:you',
      'from:deals',
      'from:deals',
      'from:email:shop.example.com',
      'visit',
      'url:www.deals.example.com',
      'url:example.com',
      'offer',
      'now',
      '!',
    ]);
  });

  it('when lines end in CRLF, then the tokens are those of the LF mail', () => {
    expect(tokenizeMail(mail.replace(/\n/g, '\r\n'), options)).toEqual(tokenizeMail(mail, options));
  });

  it('when plain text starts like a header but has no mail header, then all of it is body', () => {
    expect(tokenizeMail('Note: bring lunch\n\nthanks', options)).toEqual(['note', 'bring', 'lunch', 'thanks']);
  });

  it('when text has no blank line, then all of it is body', () => {
    expect(tokenizeMail('Subject: hi there', options)).toEqual(['subject', 'hi', 'there']);
  });

  it('when words are too short or too long, then they are dropped but $ and ! are kept', () => {
    expect(tokenizeMail('a $ 100 bonus!! QUJDREVGR0hJSktMTU5PUA', options)).toEqual(['$', '100', 'bonus', '!', '!']);
  });

  it('when a limit is given, then no more tokens than that come out', () => {
    expect(tokenizeMail(mail, options, 3)).toEqual(['subject:free', 'subject:money', 'subject:for']);
  });

  it('when letters are not ASCII, then they are words too, lower-cased', () => {
    expect(tokenizeMail('Größe ÉTÉ', options)).toEqual(['größe', 'été']);
  });
});
