import { describe, expect, it } from 'vitest';
import { DAPRD_GOGC, daprdGoEnv } from './daprd-env.ts';

describe('daprdGoEnv', () => {
  it('when the sidecar has no memory limit, then only GOGC is set', () => {
    expect(daprdGoEnv()).toEqual({ GOGC: DAPRD_GOGC });
  });

  it('when it has one, then GOMEMLIMIT is 90 % of it in MiB', () => {
    expect(daprdGoEnv('512Mi')).toEqual({ GOGC: DAPRD_GOGC, GOMEMLIMIT: '460MiB' });
    expect(daprdGoEnv('2Gi')).toEqual({ GOGC: DAPRD_GOGC, GOMEMLIMIT: '1843MiB' });
    expect(daprdGoEnv('262144Ki')).toEqual({ GOGC: DAPRD_GOGC, GOMEMLIMIT: '230MiB' });
  });

  it('when the limit is not a whole number of Ki, Mi or Gi, then it says so', () => {
    expect(() => daprdGoEnv('0.5Gi')).toThrow(/sidecar memory limit "0.5Gi"/);
    expect(() => daprdGoEnv('512M')).toThrow(/whole number of Ki, Mi or Gi/);
  });
});
