import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { allocatePorts, isPortFree, reservePorts } from './ports.ts';

describe('allocatePorts', () => {
  it('when many ports are asked for, then they are distinct and free', async () => {
    const ports = await allocatePorts(40);
    expect(new Set(ports).size).toBe(40);
    expect(await isPortFree(ports[0]!)).toBe(true);
  });

  it("when the kernel's ephemeral range leaves room below it, then ports come from below it and none is handed out twice", async () => {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    const first = await allocatePorts(100);
    const second = await allocatePorts(100);
    expect(new Set([...first, ...second]).size).toBe(200);
    expect(Math.max(...first, ...second)).toBeLessThan(low!);
  });

  describe('with a reserved port', () => {
    afterEach(() => vi.restoreAllMocks());

    it('when the random pick lands on a reserved port (free, nothing bound to it yet), then another port is handed out', async () => {
      const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
      // The range allocatePorts draws from: 10000 up to just below the ephemeral range.
      const from = 10_000;
      const size = low! - from;
      const pick = (port: number) => (port - from + 0.5) / size;
      let reserved = from + 1_234;
      while (!(await isPortFree(reserved))) reserved++;
      let other = reserved + 1;
      while (!(await isPortFree(other))) other++;
      reservePorts([reserved]);
      vi.spyOn(Math, 'random').mockReturnValueOnce(pick(reserved)).mockReturnValueOnce(pick(other));
      expect(await allocatePorts(1)).toEqual([other]);
    });
  });

  it('when a port is held, then isPortFree says so', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as { port: number };
    expect(await isPortFree(port)).toBe(false);
    server.close();
  });
});
