import type { DriftHistory, DriftReport } from '@meridian/contracts';
import { describe, expect, it } from 'vitest';
import { driftColumns, driftFeatureNames, driftPoints, histogramBins, histogramSummary } from './drift-history.ts';

const feature = (name: string, psi: number, drifted = false) => ({
  name,
  kind: 'input' as const,
  psi,
  ks: 0.1,
  ks_p_value: drifted ? 0.001 : 0.5,
  drifted,
});

const history = (version: string, windows: { index: number; psi: number; drifted?: boolean }[]): DriftHistory => ({
  model: 'm',
  version,
  thresholds: { psi: 0.2, ks_p_value: 0.01 },
  windows: windows.map((w) => ({
    index: w.index,
    closed_at: `2026-12-01T10:0${w.index}:00Z`,
    rows: 500,
    features: [feature('x', w.psi, w.drifted)],
    drifted: w.drifted ?? false,
  })),
});

const report = (o: { index: number; rows?: number; features?: ReturnType<typeof feature>[] }): DriftReport => ({
  model: 'm',
  version: '1',
  window: { rows: o.rows ?? 120, size: 500, index: o.index, seen: o.index * 500 + (o.rows ?? 120) },
  rows_seen: o.index * 500 + (o.rows ?? 120),
  window_filled: o.index > 0,
  provisional: true,
  features: (o.features ?? [feature('x', 0.05)]).map((f) => ({ ...f, rows: o.rows ?? 120, provisional: true })),
  drifted: false,
  thresholds: { psi: 0.2, ks_p_value: 0.01 },
});

describe('driftPoints', () => {
  it('when the history holds closed windows and the report is of the next one, then the open window comes last, marked open', () => {
    const points = driftPoints({
      history: history('1', [
        { index: 0, psi: 0.01 },
        { index: 1, psi: 0.4, drifted: true },
      ]),
      report: report({ index: 2 }),
    });
    expect(points.map((p) => [p.index, p.open, p.drifted])).toEqual([
      [0, false, false],
      [1, false, true],
      [2, true, false],
    ]);
    expect(points[1]?.closedAt).toBe('2026-12-01T10:01:00Z');
    expect(points[1]?.features.x).toEqual({ psi: 0.4, ks: 0.1, ks_p_value: 0.001, drifted: true, provisional: false });
    expect(points[2]?.features.x?.provisional).toBe(true);
  });

  it('when the report is of a window the history already holds, then that window is shown once, as closed', () => {
    const points = driftPoints({ history: history('1', [{ index: 0, psi: 0.01 }]), report: report({ index: 0 }) });
    expect(points).toHaveLength(1);
    expect(points[0]?.open).toBe(false);
  });

  it('when the history is of another version than the report, then only the report window is shown', () => {
    const points = driftPoints({ history: history('2', [{ index: 0, psi: 0.01 }]), report: report({ index: 3 }) });
    expect(points.map((p) => p.index)).toEqual([3]);
  });

  it('when the report has no column with a row yet, then no open window is added', () => {
    expect(driftPoints({ history: undefined, report: report({ index: 0, rows: 0, features: [] }) })).toEqual([]);
  });
});

describe('driftColumns', () => {
  it('when an input appears in a later window only, then x is the window index and its earlier values are gaps', () => {
    const points = driftPoints({
      history: history('1', [{ index: 4, psi: 0.01 }]),
      report: report({ index: 5, features: [feature('x', 0.3), feature('y', 0.02)] }),
    });
    const features = driftFeatureNames(points);
    expect(features).toEqual(['x', 'y']);
    expect(driftColumns({ points, features, metric: 'psi', threshold: 0.2 })).toEqual([
      [4, 5],
      [0.01, 0.3],
      [null, 0.02],
      [0.2, 0.2],
    ]);
  });
});

describe('histogramBins', () => {
  it('when there are two interior edges, then there are three bins, the outer ones open', () => {
    const bins = histogramBins({ edges: [1.5, 20], training: [0.2, 0.5, 0.3], live: [0.1, 0.2, 0.7] });
    expect(bins).toEqual([
      { label: '≤ 1.5', training: 0.2, live: 0.1 },
      { label: '1.5 – 20', training: 0.5, live: 0.2 },
      { label: '> 20', training: 0.3, live: 0.7 },
    ]);
  });

  it('when live departs most from training in one bin, then the summary names that bin and both shares', () => {
    const bins = histogramBins({ edges: [1.5, 20], training: [0.2, 0.5, 0.3], live: [0.1, 0.2, 0.7] });
    expect(histogramSummary({ feature: 'temperature', window: 3, bins })).toBe(
      'Training vs live distribution of temperature in window 3: 3 bins; the largest difference is in bin > 20, training 30.0 %, live 70.0 % (live 40.0 points higher).',
    );
  });
});
