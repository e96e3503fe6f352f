import { describe, expect, it } from 'vitest';
import { parseEnv } from '@meridian/service-kit';
import { monitorEnv } from './env.ts';

const TOKENS = { DAPR_API_TOKEN: 'a-sidecar-api-token', APP_API_TOKEN: 'an-app-api-token-x' };

describe('monitorEnv', () => {
  it('when nothing is set, then every model is held to the default quality thresholds and SLO objectives', () => {
    const env = parseEnv(monitorEnv, TOKENS);
    expect(env.QUALITY_THRESHOLDS).toEqual({ '*': { min_f1: 0.5, min_labels: 50 } });
    expect(env).toMatchObject({ SLO_WINDOW: 1000, SLO_LATENCY_P99_MS: 500, SLO_ERROR_RATE: 0.01 });
  });

  it('when thresholds are given per model, then min_labels defaults and the values are kept', () => {
    const env = parseEnv(monitorEnv, {
      ...TOKENS,
      QUALITY_THRESHOLDS: '{"spam":{"min_precision":0.9},"*":{"min_recall":0.3,"min_labels":10}}',
    });
    expect(env.QUALITY_THRESHOLDS).toEqual({
      spam: { min_precision: 0.9, min_labels: 50 },
      '*': { min_recall: 0.3, min_labels: 10 },
    });
  });

  it('when the thresholds are not JSON, out of range or misspelt, then boot fails naming each problem', () => {
    expect(() => parseEnv(monitorEnv, { QUALITY_THRESHOLDS: '{"spam":' })).toThrow(
      /QUALITY_THRESHOLDS: not valid JSON/,
    );
    let message = '';
    try {
      parseEnv(monitorEnv, {
        QUALITY_THRESHOLDS: '{"spam":{"min_f1":1.5,"min_labels":0},"*":{"minf1":0.5}}',
        SLO_ERROR_RATE: '2',
      });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('QUALITY_THRESHOLDS.spam.min_f1');
    expect(message).toContain('QUALITY_THRESHOLDS.spam.min_labels');
    expect(message).toMatch(/QUALITY_THRESHOLDS\.\*.*minf1/);
    expect(message).toContain('SLO_ERROR_RATE');
  });
});
