import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { PII_MASK } from './pii.ts';

function capture() {
  const lines: string[] = [];
  const log = createLogger({
    name: 'test',
    level: 'info',
    destination: { write: (line: string) => void lines.push(line) },
  });
  const last = () => JSON.parse(lines.at(-1)!) as Record<string, unknown>;
  return { log, lines, last };
}

describe('createLogger', () => {
  it('when a line has PII in an object field and in its message, then both come out masked', () => {
    const { log, last } = capture();
    const logged = { user: { email: 'ada@example.com', note: 'call +44 20 7946 0958' }, stream: 'events', accepted: 3 };
    log.info(logged, 'signup from ada@example.com with card 4111 1111 1111 1111');
    expect(last()).toMatchObject({
      user: { email: PII_MASK, note: 'call [phone]' },
      stream: 'events',
      accepted: 3,
      msg: 'signup from [email] with card [card]',
    });
    expect(logged.user.email).toBe('ada@example.com');
  });

  it('when headers carry credentials, then they are censored', () => {
    const { log, last } = capture();
    log.info(
      {
        req: { headers: { authorization: 'Bearer abc', cookie: 'sid=1', accept: 'application/json' } },
        token: 'abc',
        token_count: 12,
      },
      'request',
    );
    expect(last()).toMatchObject({
      req: { headers: { authorization: PII_MASK, cookie: PII_MASK, accept: 'application/json' } },
      token: PII_MASK,
      token_count: 12,
    });
  });

  it('when a child replaces the masking formatter, then fixed credential paths are still censored by pino', () => {
    const { log, last } = capture();
    log
      .child({}, { formatters: { log: (o: object) => o } })
      .info({ req: { headers: { authorization: 'Bearer abc' } }, password: 'p' }, 'x');
    expect(last()).toMatchObject({ req: { headers: { authorization: PII_MASK } }, password: PII_MASK });
  });

  it('when interpolation arguments or an error carry PII, then the line is masked', () => {
    const { log, lines } = capture();
    log.warn('no user %s', 'ada@example.com');
    log.error(new Error('lookup of ada@example.com failed'));
    log.error({ err: new Error('grace@example.com not found'), model: 'm' });
    const text = lines.join('');
    expect(text).not.toMatch(/ada@|grace@/);
    const [, byError, byField] = lines.map(
      (l) => JSON.parse(l) as { msg: string; err?: { type: string; message: string } },
    );
    expect(byError).toMatchObject({
      msg: 'lookup of [email] failed',
      err: { type: 'Error', message: 'lookup of [email] failed' },
    });
    expect(byField).toMatchObject({ msg: '[email] not found', model: 'm' });
  });

  it('when a child logger is bound to a request, then its bindings are masked as well', () => {
    const { log, last } = capture();
    log
      .child({ req_id: 'r1', path: '/v1/users/ada@example.com' })
      .child({ step: 1 })
      .info({ status: 200 }, 'request completed');
    expect(last()).toMatchObject({ req_id: 'r1', path: '/v1/users/[email]', step: 1, status: 200 });
  });

  it('when a hostile object is logged, then a line is still written', () => {
    const { log, last } = capture();
    const deep = JSON.parse(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`) as unknown;
    expect(() => log.info({ deep }, 'deep')).not.toThrow();
    expect(last().msg).toBe('deep');
  });
});
