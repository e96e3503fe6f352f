import type { Server } from 'node:http';

/** Serves an in-process app (Express) on a free loopback port, for tests that talk HTTP to it without a sidecar. */
export async function serveInProcess(app: {
  listen(port: number, host: string, cb: () => void): Server;
}): Promise<{ base: string; port: number; close(): Promise<void> }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const port = (server.address() as { port: number }).port;
  return { base: `http://127.0.0.1:${port}`, port, close: () => new Promise((r) => server.close(() => r())) };
}
