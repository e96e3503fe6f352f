import type { DriftDetectedEvent, DriftReport, ModelDegradedEvent, QualityReport } from '@meridian/contracts';
import { describe, expect, it } from 'vitest';
import { type Evidence, type IncidentEvent, incidentSummary, newIncident, runIdOf } from './incident-report.ts';

// Shapes as the platform sends them: the monitor's drift alert (alerts.ts) and reports, the registry's version list.
const driftEvent = (features: unknown[] = []): DriftDetectedEvent => ({
  id: 'spam-drift-v3-w7',
  model: 'spam',
  version: '3',
  window: '7',
  evidence: { kind: 'drift', features, thresholds: { psi: 0.2, ks_p_value: 0.01 } },
});

const degradedEvent: ModelDegradedEvent = {
  id: 'spam-degraded-v3-w2',
  model: 'spam',
  version: '3',
  window: 2,
  evidence: {
    metrics: { count: 50, precision: 0.5, recall: 0.35, f1: 0.41176 },
    thresholds: { min_f1: 0.8, min_labels: 50 },
    breached: ['f1'],
    window: { index: 2, size: 50 },
  },
  ts: '2026-01-05T09:00:00.000Z',
};

const feature = (name: string, drifted: boolean) => ({
  name,
  kind: 'input' as const,
  rows: 500,
  provisional: false,
  psi: drifted ? 0.4 : 0.01,
  ks: 0.3,
  ks_p_value: drifted ? 0.001 : 0.5,
  drifted,
});

const driftReport = (features: ReturnType<typeof feature>[]): DriftReport => ({
  model: 'spam',
  version: '3',
  window: { rows: 500, size: 500, index: 7 },
  rows_seen: 4000,
  window_filled: true,
  provisional: false,
  features,
  drifted: features.some((f) => f.drifted),
  thresholds: { psi: 0.2, ks_p_value: 0.01 },
});

const quality = (f1: number): QualityReport => ({
  model: 'spam',
  version: '3',
  count: 200,
  precision: 0.9,
  recall: 0.8,
  f1,
  window: 200,
  versions: [],
});

const versions = [
  { version: '2', stage: 'production' },
  { version: '3', stage: 'staging' },
];

const run = {
  id: 'drift-spam-drift-v3-w7',
  model: 'spam',
  status: 'running',
  steps: [
    { name: 'prepare', status: 'completed' },
    { name: 'train', status: 'running' },
    { name: 'evaluate', status: 'pending' },
  ],
};

const drift = (features: unknown[] = []): IncidentEvent => ({ kind: 'drift', event: driftEvent(features) });
const unreachable = { error: 'status 503', body: { title: 'unavailable' } };

describe('incidentSummary', () => {
  it('when every source answered, then the summary names the model, window, drifted inputs, F1, production version and run status', () => {
    const evidence: Evidence = {
      alert: driftEvent(),
      drift: driftReport([feature('humidity', true), feature('temperature', false), feature('pressure', true)]),
      quality: quality(0.81234),
      versions,
      run,
    };
    expect(incidentSummary({ incident: drift(), evidence })).toBe(
      'The inputs of spam version 3 drifted from their training distribution in window 7.' +
        ' Drifted inputs: humidity, pressure. Latest F1 against labels: 0.812. Version 2 is in production.' +
        ' The retraining run drift-spam-drift-v3-w7 is running (1 of 3 steps done).',
    );
  });

  it('when the same evidence is summarised twice, then the words are the same', () => {
    const evidence: Evidence = { alert: driftEvent(), quality: quality(0.5), versions: { versions }, run };
    expect(incidentSummary({ incident: drift(), evidence })).toBe(incidentSummary({ incident: drift(), evidence }));
    expect(incidentSummary({ incident: drift(), evidence })).toContain('Version 2 is in production.');
  });

  it("when the drift report is unavailable, then the alert's raw feature objects are not printed", () => {
    const incident = drift([{ name: 'humidity', psi: 0.4, ks: 0.3, ks_p_value: 0.001, rows: 500 }]);
    const text = incidentSummary({ incident, evidence: { alert: incident.event, drift: unreachable, run } });
    expect(text).not.toContain('[object Object]');
    expect(text).toMatch(
      /^The inputs of spam version 3 drifted .* The retraining run drift-spam-drift-v3-w7 is running/,
    );
  });

  it('when a quality incident has its report, then it opens with the quality sentence and the report F1', () => {
    const incident: IncidentEvent = { kind: 'degraded', event: degradedEvent };
    const text = incidentSummary({ incident, evidence: { alert: degradedEvent, quality: quality(0.6) } });
    expect(text).toBe(
      'The quality of spam version 3 against delayed labels fell below its thresholds.' +
        ' Latest F1 against labels: 0.600. The retraining run degraded-spam-degraded-v3-w2 has not been seen yet.',
    );
  });

  it('when the quality report is unavailable, then the F1 comes from the degraded alert itself', () => {
    const incident: IncidentEvent = { kind: 'degraded', event: degradedEvent };
    const text = incidentSummary({ incident, evidence: { alert: degradedEvent, quality: unreachable } });
    expect(text).toContain(' Latest F1 against labels: 0.412.');
  });

  it('when every source failed, then the summary says only what the alert says and that the run is not seen yet', () => {
    const evidence: Evidence = { alert: driftEvent(), drift: unreachable, quality: unreachable, versions: unreachable };
    expect(incidentSummary({ incident: drift(), evidence })).toBe(
      'The inputs of spam version 3 drifted from their training distribution in window 7.' +
        ' The retraining run drift-spam-drift-v3-w7 has not been seen yet.',
    );
  });

  it('when the run has a gate decision and no version is in production, then the decision is named and no version is', () => {
    const evidence: Evidence = {
      alert: driftEvent(),
      versions: [{ version: '1', stage: 'archived' }],
      run: { status: 'completed', steps: [{ status: 'completed' }], gate: { decision: 'promote' } },
    };
    const text = incidentSummary({ incident: drift(), evidence });
    expect(text).toContain('is completed (1 of 1 steps done, gate: promote).');
    expect(text).not.toContain('in production');
  });
});

describe('newIncident', () => {
  it('when opened, then the incident is keyed by kind and alert id and carries the summary and the run id', () => {
    const incident = drift();
    const evidence: Evidence = { alert: incident.event, run };
    const opened = newIncident({ incident, evidence, at: '2026-01-05T09:00:00.000Z' });
    expect(opened).toEqual({
      id: 'drift-spam-drift-v3-w7',
      model: 'spam',
      kind: 'drift',
      opened_at: '2026-01-05T09:00:00.000Z',
      summary: incidentSummary({ incident, evidence }),
      evidence: { alert: incident.event, run, run_id: runIdOf(incident) },
    });
    expect(runIdOf({ kind: 'degraded', event: degradedEvent })).toBe('degraded-spam-degraded-v3-w2');
  });
});
