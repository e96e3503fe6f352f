import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { allocatePorts, isPortFree } from './ports.ts';

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

  it('when a port is held, then isPortFree says so', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as { port: number };
    expect(await isPortFree(port)).toBe(false);
    server.close();
  });
});
