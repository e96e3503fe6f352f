import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { daprPreset, EnvError, parseEnv } from './env.ts';

const TOKENS = { DAPR_API_TOKEN: 'a-sidecar-api-token', APP_API_TOKEN: 'an-app-api-token-x' };

describe('parseEnv', () => {
  it('when the sidecar tokens are missing or short, then boot fails naming both: no app runs without them', () => {
    expect(() => parseEnv(daprPreset, { APP_ID: 'x' })).toThrow(
      /DAPR_API_TOKEN[\s\S]*APP_API_TOKEN|APP_API_TOKEN[\s\S]*DAPR_API_TOKEN/,
    );
    expect(() => parseEnv(daprPreset, { APP_ID: 'x', DAPR_API_TOKEN: 'short', APP_API_TOKEN: 'short' })).toThrow(
      /at least 16 characters/,
    );
  });

  it('when variables are valid, then they are parsed with defaults applied', () => {
    const env = parseEnv(
      { ...daprPreset, EXTRA: z.string() },
      { APP_ID: 'x', EXTRA: 'y', APP_PORT: '4000', ...TOKENS },
    );
    expect(env).toMatchObject({ APP_ID: 'x', APP_PORT: 4000, DAPR_HTTP_PORT: 3500, LOG_LEVEL: 'info', EXTRA: 'y' });
  });

  it('when several variables are wrong, then every problem is reported at once', () => {
    try {
      parseEnv({ ...daprPreset, EXTRA: z.string() }, { APP_PORT: 'eighty', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(EnvError);
      const paths = (err as EnvError).problems.map((p) => p.split(':')[0]);
      expect(paths.sort()).toEqual(['APP_API_TOKEN', 'APP_ID', 'APP_PORT', 'DAPR_API_TOKEN', 'EXTRA', 'LOG_LEVEL']);
    }
  });
});
