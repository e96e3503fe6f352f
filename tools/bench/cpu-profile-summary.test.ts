import { describe, expect, it } from 'vitest';
import { formatSummary, summariseCpuProfile, type CpuProfile } from './cpu-profile-summary.ts';

const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });

describe('summariseCpuProfile', () => {
  it('when samples land in packages, own code and idle, then self time is ranked per group and per function', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', '') },
        { id: 2, callFrame: frame('(idle)', '') },
        { id: 3, callFrame: frame('handle', 'file:///repo/node_modules/express/lib/router.js', 9) },
        { id: 4, callFrame: frame('verify', 'file:///repo/apps/gateway/src/domain/token-verifier.ts', 41) },
        { id: 5, callFrame: frame('writeGeneric', 'node:net', 900) },
      ],
      samples: [2, 3, 3, 4, 5, 3],
      timeDeltas: [4000, 1000, 1000, 2000, 500, 1000],
    };
    const s = summariseCpuProfile(profile);
    expect(s.total_ms).toBe(10);
    expect(s.by_group.map((g) => [g.group, g.ms])).toEqual([
      ['(idle)', 4],
      ['express', 3],
      ['apps/gateway', 2],
      ['node internals', 0.5],
    ]);
    expect(s.by_function[1]).toEqual({ fn: 'handle express/lib/router.js:10', ms: 3, share: 0.316 });
    expect(s.by_function[2]!.fn).toBe('verify apps/gateway/src/domain/token-verifier.ts:42');
    expect(formatSummary('gateway', s)).toContain('      3.0 ms  31.6 %  express');
  });
});
