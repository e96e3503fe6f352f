import { describe, expect, it } from 'vitest';
import { hardHamMetrics } from './hard-ham-metrics.ts';
import type { SpamMail } from './spam-data.ts';

const mail = (group: string, label: 0 | 1): SpamMail => ({ group, id: '1', text: '', label });

describe('hardHamMetrics', () => {
  it('when hard-ham rows score at or above the threshold, then only they count as false alarms', () => {
    const mails = [
      mail('hard-ham-1', 0),
      mail('hard-ham-1', 0),
      mail('hard-ham-1', 0),
      mail('easy-ham-1', 0),
      mail('spam-1', 1),
    ];
    expect(hardHamMetrics({ mails, scores: [0.5, 0.49, 0.9, 0.99, 0.99], threshold: 0.5 })).toEqual({
      rows: 3,
      falsePositives: 2,
      falsePositiveRate: 2 / 3,
    });
  });

  it('when there is no hard ham, then the rate is 0 rather than NaN', () => {
    expect(hardHamMetrics({ mails: [mail('spam-2', 1)], scores: [0.9], threshold: 0.5 }).falsePositiveRate).toBe(0);
  });

  it('when scores and mails differ in length, then it throws', () => {
    expect(() => hardHamMetrics({ mails: [mail('hard-ham-1', 0)], scores: [], threshold: 0.5 })).toThrow(
      /1 mails but 0 scores/,
    );
  });
});
