import { describe, expect, it } from 'vitest';
import type { Alert } from '@meridian/contracts';
import type { Alerts } from './alerts.ts';
import { QualityGate, breaches, completedWindow, thresholdsFor } from './quality-gate.ts';

/** Records what would be raised; the real Alerts dedupe in the state store (integration tests). */
const recordingAlerts = () => {
  const raised: Omit<Alert, 'id' | 'run_id' | 'created_at'>[] = [];
  const alerts = { raise: async (a: (typeof raised)[number]) => void raised.push(a) } as unknown as Alerts;
  return { raised, alerts };
};

describe('thresholdsFor', () => {
  it('when a model has thresholds of its own, then they replace the default entry; otherwise `*` applies', () => {
    const config = { '*': { min_f1: 0.5, min_labels: 50 }, spam: { min_precision: 0.9, min_labels: 20 } };
    expect(thresholdsFor(config, 'spam')).toEqual({ min_precision: 0.9, min_labels: 20 });
    expect(thresholdsFor(config, 'sensor-anomaly')).toEqual({ min_f1: 0.5, min_labels: 50 });
    expect(thresholdsFor({ spam: { min_labels: 5 } }, 'other')).toBeUndefined();
  });
});

describe('breaches', () => {
  it('when metrics fall below their minimums, then those are named; a metric without a minimum never is', () => {
    expect(
      breaches({ f1: 0.4, precision: 0.95, recall: 0.2 }, { min_f1: 0.5, min_precision: 0.9, min_labels: 10 }),
    ).toEqual(['f1']);
    expect(breaches({ f1: 0.5, precision: 0.5, recall: 0.5 }, { min_f1: 0.5, min_labels: 10 })).toEqual([]);
  });
});

describe('completedWindow', () => {
  it('when the total reaches a multiple of the size, then that window is complete, and at no other total', () => {
    expect([0, 1, 9, 10, 11, 20].map((t) => completedWindow(t, 10))).toEqual([
      undefined,
      undefined,
      undefined,
      0,
      undefined,
      1,
    ]);
  });
});

describe('QualityGate', () => {
  const thresholds = { '*': { min_f1: 0.6, min_labels: 4 } };

  it('when a window completes below the F1 minimum, then one degraded alert carries the scores, thresholds, count and window', async () => {
    const { raised, alerts } = recordingAlerts();
    const gate = new QualityGate({ thresholds, alerts });
    // Labels 5..8 (window 1): tp 1, fp 1, fn 1, tn 1 → F1 0.5. The pair before the window is ignored.
    const latest: [number, number][] = [
      [1, 1],
      [1, 1],
      [1, 0],
      [0, 1],
      [0, 0],
    ];
    await gate.check({ model: 'm', version: '3', total: 8, latest });
    expect(raised).toEqual([
      {
        model: 'm',
        version: '3',
        kind: 'degraded',
        window: 1,
        evidence: {
          metrics: { count: 4, precision: 0.5, recall: 0.5, f1: 0.5 },
          thresholds: { min_f1: 0.6, min_labels: 4 },
          breached: ['f1'],
          window: { index: 1, size: 4 },
        },
      },
    ]);
  });

  it('when the window is not complete or meets the thresholds, then nothing is raised', async () => {
    const { raised, alerts } = recordingAlerts();
    const gate = new QualityGate({ thresholds, alerts });
    await gate.check({
      model: 'm',
      version: '1',
      total: 7,
      latest: [
        [1, 0],
        [1, 0],
        [1, 0],
      ],
    });
    await gate.check({
      model: 'm',
      version: '1',
      total: 4,
      latest: [
        [1, 1],
        [1, 1],
        [0, 0],
        [0, 0],
      ],
    });
    expect(raised).toEqual([]);
    expect(gate.keep('m')).toBe(4);
  });
});
