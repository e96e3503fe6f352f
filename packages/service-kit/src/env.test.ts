import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { daprPreset, EnvError, parseEnv } from './env.ts';

describe('parseEnv', () => {
  it('when variables are valid, then they are parsed with defaults applied', () => {
    const env = parseEnv({ ...daprPreset, EXTRA: z.string() }, { APP_ID: 'x', EXTRA: 'y', APP_PORT: '4000' });
    expect(env).toMatchObject({ APP_ID: 'x', APP_PORT: 4000, DAPR_HTTP_PORT: 3500, LOG_LEVEL: 'info', EXTRA: 'y' });
  });

  it('when several variables are wrong, then every problem is reported at once', () => {
    try {
      parseEnv({ ...daprPreset, EXTRA: z.string() }, { APP_PORT: 'eighty', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(EnvError);
      const paths = (err as EnvError).problems.map((p) => p.split(':')[0]);
      expect(paths.sort()).toEqual(['APP_ID', 'APP_PORT', 'EXTRA', 'LOG_LEVEL']);
    }
  });
});
