import { describe, expect, it } from 'vitest';
import { cpsDatasetHash, loadCpsWorkers, medianWage } from './wage-data.ts';

describe('wage data', () => {
  const workers = loadCpsWorkers();

  it('when loaded, then there are the 534 CPS 1985 respondents and the median wage is $7.78', () => {
    expect(workers).toHaveLength(534);
    expect(medianWage(workers)).toBe(7.78);
    expect(workers.filter((w) => w.wage > 7.78)).toHaveLength(266);
  });

  it('when the count is odd or even, then the median is the middle or the mean of the middle two', () => {
    const at = (wages: number[]) => medianWage(wages.map((wage) => ({ ...workers[0]!, wage })));
    expect(at([5, 1, 3])).toBe(3);
    expect(at([4, 1, 3, 2])).toBe(2.5);
  });

  it('when rows are reordered, then the hash stays; when a wage changes, then it changes', () => {
    const hash = cpsDatasetHash(workers);
    expect(cpsDatasetHash([...workers].reverse())).toBe(hash);
    const edited = workers.map((w, i) => (i === 10 ? { ...w, wage: w.wage + 0.01 } : w));
    expect(cpsDatasetHash(edited)).not.toBe(hash);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
