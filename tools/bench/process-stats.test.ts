import { describe, expect, it } from 'vitest';
import { cpuMicrosPerRecord, cpuSpent, serverCpu } from './process-stats.ts';

describe('CPU accounting of the benchmarks', () => {
  it('when the machine runs Redis, then its CPU is read from /proc under the name "redis"', () => {
    const servers = serverCpu();
    expect(Object.keys(servers)).toContain('redis');
    expect(servers.redis).toBeGreaterThanOrEqual(0);
  });

  it('when a server did nothing between two readings, then it is left out, while an idle app is kept', () => {
    const spent = cpuSpent(
      { features: 1, 'features-daprd': 2, redis: 5, kafka: 1, rabbitmq: 7 },
      { features: 1, 'features-daprd': 2.56, redis: 5.31, kafka: 2.04, rabbitmq: 7 },
    );
    expect(spent).toEqual({ kafka: 1, 'features-daprd': 0.6, redis: 0.3, features: 0 });
    expect(Object.keys(spent)).toEqual(['kafka', 'features-daprd', 'redis', 'features']);
  });

  it('when CPU is divided by records, then all processes count, in microseconds per record', () => {
    expect(cpuMicrosPerRecord({ features: 2.5, redis: 0.5, kafka: 1 }, 20_000)).toBe(200);
    expect(cpuMicrosPerRecord({ features: 2.5 }, 0)).toBe(0);
  });
});
