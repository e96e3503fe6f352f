import { describe, expect, it } from 'vitest';
import { registryRecord } from '@meridian/testkit';
import { promotionGate } from './promotion-gate.ts';

const summary = (o: Parameters<typeof registryRecord>[0]) => {
  const { history: _history, ...rest } = registryRecord(o);
  return rest;
};
const production = summary({ name: 'm', version: '3', stage: 'production', metrics: { f1: 0.9 } });
const gate = (f1: number, versions = [production]) =>
  promotionGate({ versions, metrics: { f1 }, gateMetric: 'f1', margin: 0.01 });

describe('the promotion gate', () => {
  it('when the candidate is worse than production by more than the margin, then it is rejected and the reason says so', () => {
    const result = gate(0.85);
    expect(result).toMatchObject({ passed: false, candidate: 0.85, production: '3' });
    expect(result.reason).toBe('candidate is worse: f1 0.8500 vs production v3 0.9000 (margin 0.01)');
  });

  it('when the candidate is better than production, then it passes', () => {
    expect(gate(0.95)).toEqual({
      passed: true,
      candidate: 0.95,
      production: '3',
      reason: 'f1 0.9500 vs production v3 0.9000 (margin 0.01)',
    });
  });

  it('when the candidate is worse by less than the margin, then it still passes', () => {
    expect(gate(0.895).passed).toBe(true);
  });

  it('when there is no production version, or it has no gate metric, then there is nothing to beat and it passes', () => {
    expect(gate(0.1, [summary({ name: 'm', version: '1', stage: 'staging', metrics: { f1: 0.99 } })])).toEqual({
      passed: true,
      candidate: 0.1,
      reason: 'no production version yet; f1 0.1000',
    });
    expect(gate(0.1, [summary({ name: 'm', version: '2', stage: 'production' })])).toMatchObject({
      passed: true,
      production: '2',
      reason: 'production v2 has no f1',
    });
  });
});
