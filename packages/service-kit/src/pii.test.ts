import { describe, expect, it } from 'vitest';
import {
  createPiiMasker,
  isBuiltInPiiName,
  maskAuditRecord,
  maskPii,
  maskPiiText,
  PII_MARKERS,
  PII_MASK,
} from './pii.ts';

const MASKED_BY_NAME = [
  'email',
  'user_email',
  'userEmail',
  'E-Mail',
  'mail',
  'emails',
  'phone',
  'phoneNumber',
  'mobile',
  'tel',
  'fax',
  'ssn',
  'socialSecurityNumber',
  'card',
  'credit_card',
  'creditCardNumber',
  'cc_number',
  'pan',
  'cvv2',
  'iban',
  'password',
  'passwd',
  'password1',
  'client_secret',
  'token',
  'access_token',
  'refreshToken',
  'api_key',
  'x-api-key',
  'apiKey',
  'Authorization',
  'cookie',
  'set-cookie',
  'first_name',
  'lastName',
  'full_name',
  'username',
  'address',
  'address_line1',
  'street',
  'postal_code',
  'dob',
  'date_of_birth',
  'birthDate',
  'ip',
  'clientIP',
  'ip_address',
  'x-forwarded-for',
];
const KEPT_BY_NAME = [
  'temperature',
  'humidity',
  'mote_id',
  'model',
  'name',
  'model_name',
  'datatype',
  'shape',
  'text',
  'id',
  'ts',
  'label',
  'version',
  'input_hash',
  'key',
  'subject',
  'path',
  'token_count',
  'max_tokens',
  'tokens',
  'token_type',
  'email_count',
  'emailVerified',
  'secret_name',
  'hotel',
  'span',
  'cardinality',
  'zip',
  'mac_address',
  'model_card',
  'parameters',
  'outputs',
];

describe('isBuiltInPiiName', () => {
  it('when a name ends in a PII word (any case or separator), then it is PII', () => {
    expect(MASKED_BY_NAME.filter((n) => !isBuiltInPiiName(n))).toEqual([]);
  });

  it('when a name is a common ML, event or log field, or only mentions a PII word, then it is not', () => {
    expect(KEPT_BY_NAME.filter((n) => isBuiltInPiiName(n))).toEqual([]);
  });
});

describe('maskText', () => {
  const found = (text: string) => maskPiiText(text);

  it('when free text holds an e-mail, a phone or a Luhn-valid card, then only that part is replaced', () => {
    expect(found('contact me at a@b.com')).toBe('contact me at [email]');
    expect(found('write to ada.lovelace+ml@example.co.uk.')).toBe('write to [email].');
    expect(found('call +44 20 7946 0958 or (555) 123-4567')).toBe('call [phone] or [phone]');
    expect(found('pay with 4111 1111 1111 1111, exp 12/29')).toBe('pay with [card], exp 12/29');
  });

  it('when a phone is in an international or common national format, then it is detected', () => {
    const phones = [
      '+44 (0)20 7946 0958',
      '+33612345678',
      '0044 20 7946 0958',
      '555-123-4567',
      '555.123.4567',
      '1-555-123-4567',
      '06 12 34 56 78',
      '0612345678',
      '020 7946 0958',
      '07700 900123',
    ];
    expect(phones.map(found)).toEqual(phones.map(() => PII_MARKERS.phone));
  });

  it('when digits are a timestamp, a decimal, a UUID, a version, an IP or an id, then they are kept', () => {
    const kept = [
      '2024-03-01T10:00:00.123456789Z',
      '2024-03-01 10:00:00',
      '02-03-2024 10:00',
      '1709287200000',
      '3.14159265358979',
      '0.123456789',
      '550e8400-e29b-41d4-a716-446655440000',
      '12345678-1234-1234-1234-123456789012',
      '10.0.19041.1234',
      '192.168.100.200',
      '1 000 000 000',
      'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      'mote-3@1709287200000#12',
      'gw-1764000000000',
      'user@localhost',
    ];
    expect(kept.map(found)).toEqual(kept);
  });

  it('when a number looks like a card but fails Luhn or has no issuer prefix, then it is kept', () => {
    expect(found('4111 1111 1111 1112')).toBe('4111 1111 1111 1112');
    expect(found('1234567812345670')).toBe('1234567812345670');
    expect(['4111-1111-1111-1111', '378282246310005', '5555555555554444', '6011111111111117'].map(found)).toEqual(
      Array(4).fill(PII_MARKERS.card),
    );
  });

  it('when text holds a JWT or a secret query parameter, then they are replaced', () => {
    expect(found('Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2ln')).toBe('Bearer [jwt]');
    expect(found('/v1/x?token=abc&model=m&email=ada%40x.com')).toBe(
      `/v1/x?token=${PII_MASK}&model=m&email=${PII_MASK}`,
    );
  });
});

describe('createPiiMasker', () => {
  it('when PII sits in nested objects and arrays, then it is masked at every depth', () => {
    const record = {
      type: 'signup',
      profile: {
        contacts: [{ user_email: 'ada@example.com', kind: 'work' }, { phone: 612345678 }],
        address: { street: 'x', city: 'Paris' },
      },
      notes: ['reach me at ada@example.com', 'or +33 6 12 34 56 78'],
    };
    expect(createPiiMasker({ names: ['USER_EMAIL'] }).mask(record)).toEqual({
      type: 'signup',
      profile: {
        contacts: [{ user_email: PII_MASK, kind: 'work' }, { phone: PII_MASK }],
        address: { street: PII_MASK, city: PII_MASK },
      },
      notes: ['reach me at [email]', 'or [phone]'],
    });
  });

  it('when a field is declared, then it is masked at any depth and in any case; booleans and null are kept', () => {
    const masker = createPiiMasker({ names: ['mote_id'], builtInNames: false });
    expect(
      masker.mask({ MOTE_ID: 3, nested: { mote_id: [1, 2] }, email: 'kept-by-name', ok: true, none: null }),
    ).toEqual({
      MOTE_ID: PII_MASK,
      nested: { mote_id: [PII_MASK, PII_MASK] },
      email: 'kept-by-name',
      ok: true,
      none: null,
    });
  });

  it('when a sensor reading or an OIP tensor is masked, then it comes out equal', () => {
    const reading = {
      id: 'gw-1764000000000',
      mote_id: 7,
      humidity: 44.5,
      temperature: 25.5,
      ts: '2024-03-01T10:00:00.000Z',
      label: 1,
    };
    const tensor = {
      name: 'humidity',
      datatype: 'FP32',
      shape: [2],
      data: [44.5, 45],
      parameters: { content_type: 'np' },
    };
    expect(maskPii(reading)).toEqual(reading);
    expect(maskPii(tensor)).toEqual(tensor);
  });

  it('when a key is itself an e-mail address, then the key is masked too', () => {
    expect(maskPii({ properties: { 'ada@example.com': 'vip', 'grace@example.com': 'vip' } })).toEqual({
      properties: { '[email]': 'vip', '[email]#1': 'vip' },
    });
  });

  it('when the input is masked, then it is not changed', () => {
    const input = { user: { email: 'ada@example.com', tags: ['call 555-123-4567'] } };
    const before = structuredClone(input);
    const out = maskPii(input) as typeof input;
    expect(input).toEqual(before);
    expect(out.user).not.toBe(input.user);
  });

  it('when an object is 10,000 deep, then the subtree past the depth limit is replaced and nothing throws', () => {
    const deep = JSON.parse(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`) as unknown;
    let node = createPiiMasker({ maxDepth: 5 }).mask(deep) as Record<string, unknown>;
    for (let i = 0; i < 4; i++) node = node.a as Record<string, unknown>;
    expect(node.a).toBe(PII_MARKERS.depth);
    expect(() => JSON.stringify(maskPii(deep))).not.toThrow();
    expect(() => maskPii(JSON.parse(`${'['.repeat(10_000)}${']'.repeat(10_000)}`))).not.toThrow();
  });

  it('when a value is cyclic, huge or throws on read, then it is marked instead', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(maskPii(cyclic)).toEqual({ a: 1, self: PII_MARKERS.circular });
    const shared = { x: 1 };
    expect(maskPii({ a: shared, b: shared })).toEqual({ a: { x: 1 }, b: { x: 1 } });
    const big = createPiiMasker({ maxNodes: 10 }).mask({ xs: Array.from({ length: 100 }, (_, i) => i) }) as {
      xs: unknown[];
    };
    expect(big.xs.at(-1)).toBe(PII_MARKERS.truncated);
    expect(big.xs.length).toBeLessThan(12);
    const hostile = {
      get boom(): never {
        throw new Error('no');
      },
    };
    expect(maskPii({ ok: 1, hostile })).toEqual({ ok: 1, hostile: PII_MARKERS.unreadable });
    expect(createPiiMasker({ maxStringLength: 10 }).maskText('a'.repeat(11))).toBe('[11 chars, unscanned]');
  });

  it('when an error is masked, then it stays an error of its class with message, stack and cause masked', () => {
    class ThingError extends Error {
      code = 'E_THING';
    }
    const err = new ThingError('no user ada@example.com', {
      cause: new Error('token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2ln'),
    });
    const out = maskPii(err) as ThingError & { cause: Error };
    expect(out).toBeInstanceOf(ThingError);
    expect([out.message, out.code, out.cause.message]).toEqual(['no user [email]', 'E_THING', 'token [jwt]']);
    expect(out.stack).not.toContain('ada@');
    expect(err.message).toBe('no user ada@example.com');
  });

  it('when a JSON __proto__ key is masked, then it stays a field and the copy keeps its prototype', () => {
    const out = maskPii(JSON.parse('{"__proto__":{"polluted":true}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
  });
});

describe('maskAuditRecord', () => {
  it('when an audit summary holds secrets and contact data, then they are masked and the rest is kept', () => {
    expect(
      maskAuditRecord({
        model: 'fraud',
        stage: 'production',
        note: 'asked by ada@example.com',
        credentials: { password: 'x', user: 'ada' },
      }),
    ).toEqual({
      model: 'fraud',
      stage: 'production',
      note: 'asked by [email]',
      credentials: { password: PII_MASK, user: PII_MASK },
    });
  });
});
