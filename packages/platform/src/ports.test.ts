import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { allocatePorts, isPortFree } from './ports.ts';

describe('allocatePorts', () => {
  it('when many ports are asked for, then they are distinct and free', async () => {
    const ports = await allocatePorts(40);
    expect(new Set(ports).size).toBe(40);
    expect(await isPortFree(ports[0]!)).toBe(true);
  });

  it('when a port is held, then isPortFree says so', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as { port: number };
    expect(await isPortFree(port)).toBe(false);
    server.close();
  });
});
