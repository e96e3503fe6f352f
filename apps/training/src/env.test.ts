import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv } from '@meridian/service-kit';
import { trainingEnv } from './env.ts';

const base = { DAPR_API_TOKEN: 'dapr-token-of-training', APP_API_TOKEN: 'app-token-of-training' };

describe('the training environment', () => {
  it('when nothing is set, then every trainable model is bootstrapped and nothing is scheduled', () => {
    const env = parseEnv(trainingEnv, base);
    expect(env.BOOTSTRAP_MODELS).toEqual(['sensor-anomaly', 'spam', 'wage-above-median', 'sensor-anomaly-windowed']);
    expect(env.RETRAIN_SCHEDULE).toEqual([]);
  });

  it('when lists are set with blanks and spaces, then they are parsed once into names and schedules', () => {
    const env = parseEnv(trainingEnv, {
      ...base,
      BOOTSTRAP_MODELS: ' spam, ,sensor-anomaly ',
      RETRAIN_SCHEDULE: 'sensor-anomaly=@every 24h; spam=@daily;',
    });
    expect(env.BOOTSTRAP_MODELS).toEqual(['spam', 'sensor-anomaly']);
    expect(env.RETRAIN_SCHEDULE).toEqual([
      { model: 'sensor-anomaly', schedule: '@every 24h' },
      { model: 'spam', schedule: '@daily' },
    ]);
    expect(parseEnv(trainingEnv, { ...base, BOOTSTRAP_MODELS: '' }).BOOTSTRAP_MODELS).toEqual([]);
  });

  it('when a schedule entry has no model or no schedule, then the environment is refused, naming it', () => {
    expect(() => parseEnv(trainingEnv, { ...base, RETRAIN_SCHEDULE: 'spam@daily' })).toThrow(EnvError);
    expect(() => parseEnv(trainingEnv, { ...base, RETRAIN_SCHEDULE: 'spam@daily' })).toThrow(
      /RETRAIN_SCHEDULE: "spam@daily" is not <model>=<schedule>/,
    );
    expect(() => parseEnv(trainingEnv, { ...base, RETRAIN_SCHEDULE: 'ok=@daily;spam=' })).toThrow(
      /RETRAIN_SCHEDULE: "spam=" is not/,
    );
  });
});
