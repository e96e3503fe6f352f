import { connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

/** Connects, sends one line and resolves with what came back before the server closed, or the connection error's code. */
function exchange(port: number, line: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let got = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      got += d;
      if (got.endsWith('\n')) socket.end();
    });
    socket.once('connect', () => socket.write(`${line}\n`));
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    socket.once('close', () => resolve(got));
  });
}

describe('startTcpProxy', () => {
  let echo: Server;
  let proxy: TcpProxy;
  beforeAll(async () => {
    echo = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: (echo.address() as { port: number }).port } });
  });
  afterAll(async () => {
    await proxy.close();
    await new Promise((r) => echo.close(r));
  });

  it('when up, then bytes reach the server and its answer comes back', async () => {
    expect(await exchange(proxy.port, 'hello')).toBe('hello\n');
  });

  it('when taken down, then open connections are cut and new ones refused; up again, it forwards on the same port', async () => {
    const open = connect({ host: '127.0.0.1', port: proxy.port });
    await new Promise((r) => open.once('connect', r));
    const cut = new Promise((r) => open.once('close', r));
    open.on('error', () => {});
    await proxy.down();
    await cut;
    expect(proxy.isUp).toBe(false);
    expect(await exchange(proxy.port, 'anyone?')).toBe('ECONNREFUSED');
    await proxy.up();
    expect(await exchange(proxy.port, 'back')).toBe('back\n');
  });
});
