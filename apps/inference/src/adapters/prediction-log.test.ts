import { describe, expect, it } from 'vitest';
import { MASKED, maskInputs } from './prediction-log.ts';

describe('maskInputs', () => {
  it('when an input is listed as PII, then every value of it is masked and the others are kept', () => {
    expect(maskInputs({ email: ['a@b.c', 'd@e.f'], temperature: [20, 21] }, ['email'])).toEqual({ email: [MASKED, MASKED], temperature: [20, 21] });
  });
});
