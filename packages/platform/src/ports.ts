import { createServer, type Server } from 'node:net';

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(server));
  });
}

/**
 * Asks the kernel for `count` distinct free ports. All are held open until
 * every one is chosen, so the set has no duplicates (Dapr's defaults collide:
 * daprd gRPC and sentry both use 50001, healthz and metrics ports clash too).
 */
export async function allocatePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => listen(0)));
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export async function isPortFree(port: number): Promise<boolean> {
  try {
    const server = await listen(port);
    await new Promise((r) => server.close(r));
    return true;
  } catch {
    return false;
  }
}
