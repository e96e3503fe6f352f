import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, type DaprClient, type InvokeOptions } from '@meridian/service-kit';
import { rawRequest } from '../testing/raw-http.ts';
import { gatewayTestEnv, serveGateway } from '../testing/serve.ts';
import { CONSOLE_CSP } from './console.ts';

createLogger({ name: 'test', level: 'silent' });

// A built console beside a secret it must never serve: <tmp>/dist/{index.html,assets/}, <tmp>/secrets.json.
const root = mkdtempSync(join(tmpdir(), 'meridian-console-'));
const dist = join(root, 'dist');
mkdirSync(join(dist, 'assets', 'fonts'), { recursive: true });
writeFileSync(
  join(dist, 'index.html'),
  '<!doctype html><script type="module" src="/console/assets/index-a1b2c3.js"></script>',
);
writeFileSync(join(dist, 'assets', 'index-a1b2c3.js'), 'console.log("meridian")');
writeFileSync(join(dist, 'assets', 'index-d4e5f6.css'), 'body{margin:0}');
writeFileSync(join(dist, 'assets', 'fonts', 'inter-0a1b.woff2'), 'woff2');
writeFileSync(join(root, 'secrets.json'), '{"jwt-signing-keys":"SECRET"}');
writeFileSync(join(dist, 'README.md'), 'not an asset');
symlinkSync(join(root, 'secrets.json'), join(dist, 'assets', 'leak.js'));

const calls: InvokeOptions[] = [];
const sidecar = {
  healthy: async () => true,
  invoke: async (o: InvokeOptions) => {
    calls.push(o);
    throw new Error('the console never calls an app');
  },
} as unknown as DaprClient;

const built = await serveGateway({ env: gatewayTestEnv({ CONSOLE_DIR: dist }), dapr: sidecar });
const unbuilt = await serveGateway({ env: gatewayTestEnv({ CONSOLE_DIR: join(root, 'missing') }), dapr: sidecar });
afterAll(async () => {
  await built.close();
  await unbuilt.close();
  rmSync(root, { recursive: true, force: true });
});

const get = (path: string, o: { method?: string; port?: number; token?: string } = {}) =>
  rawRequest({
    port: o.port ?? built.port,
    method: o.method ?? 'GET',
    target: path,
    ...(o.token ? { headers: { authorization: `Bearer ${o.token}` } } : {}),
  });

const expectConsoleHeaders = (headers: Record<string, unknown>, what: string) => {
  expect(headers['content-security-policy'], what).toBe(CONSOLE_CSP);
  expect(headers['x-content-type-options'], what).toBe('nosniff');
  expect(headers['referrer-policy'], what).toBe('no-referrer');
};

describe('the console at /console', () => {
  it('when /console, /console/ or a page of the app is asked for without a token, then index.html, never cached without a check, with the CSP', async () => {
    for (const path of [
      '/console',
      '/console/',
      '/console/runs',
      '/console/models/sensor-anomaly/versions/2',
      '/console/runs?status=failed&model=spam',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.text, path).toContain('/console/assets/index-a1b2c3.js');
      expect(res.headers['content-type'], path).toMatch(/^text\/html/);
      expect(res.headers['cache-control'], path).toBe('no-cache');
      expectConsoleHeaders(res.headers, path);
    }
    expect(CONSOLE_CSP).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    expect(calls).toEqual([]);
  });

  it('when a hashed file under assets/ exists, then it is served with its type and cached for good; HEAD answers the same without a body', async () => {
    const js = await get('/console/assets/index-a1b2c3.js');
    expect([js.status, js.text]).toEqual([200, 'console.log("meridian")']);
    expect(js.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expectConsoleHeaders(js.headers, 'js');
    expect((await get('/console/assets/index-d4e5f6.css')).headers['content-type']).toMatch(/^text\/css/);
    expect((await get('/console/assets/fonts/inter-0a1b.woff2')).status).toBe(200);
    const head = await get('/console/assets/index-a1b2c3.js', { method: 'HEAD' });
    expect([head.status, head.text, head.headers['content-length']]).toEqual([200, '', '23']);
    expect((await get('/console', { method: 'HEAD' })).status).toBe(200);
  });

  it('when a file under assets/ does not exist, or leaves it through a link, then 404 problem+json with the CSP, never the file', async () => {
    for (const path of ['/console/assets/missing-000.js', '/console/assets/leak.js', '/console/assets/fonts']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers['content-type'], path).toMatch(/^application\/problem\+json/);
      expect(res.text, path).not.toContain('SECRET');
      expectConsoleHeaders(res.headers, path);
    }
    // Only assets/ holds files: anything else in dist is a page of the app, so the index.
    expect((await get('/console/README.md')).text).toContain('<!doctype html>');
  });

  it('when a path climbs out of the console, encoded or not, then 400 and never a file outside dist', async () => {
    for (const path of [
      '/console/assets/..%2f..%2fsecrets.json',
      '/console/assets/%2e%2e/%2e%2e/secrets.json',
      '/console/assets/%252e%252e/secrets.json',
      '/console/assets/../../secrets.json',
      '/console/../v1.0/secrets',
      '/console/./assets/index-a1b2c3.js',
      '/console/assets/..\\..\\secrets.json',
      '/console/assets/.%2e/secrets.json',
      '/console//assets/index-a1b2c3.js',
      '/console/assets/index-a1b2c3.js/',
      '/console/assets/.hidden',
      '/console/assets/%00.js',
      '/Console/assets/index-a1b2c3.js',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      expect(res.text, path).not.toContain('SECRET');
    }
    expect(calls).toEqual([]);
  });

  it('when anything but GET or HEAD is sent to the console, then 405 naming GET, HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'])
      for (const path of ['/console', '/console/', '/console/assets/index-a1b2c3.js']) {
        const res = await get(path, { method, token: 'ada:admin' });
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers.allow, `${method} ${path}`).toBe('GET, HEAD');
      }
  });

  it('when the console is not built, then 503 problem+json saying how to build it, with the CSP and no path of the server', async () => {
    for (const path of ['/console', '/console/assets/index-a1b2c3.js']) {
      const res = await get(path, { port: unbuilt.port });
      expect(res.status, path).toBe(503);
      expect(res.headers['content-type'], path).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(res.text).detail, path).toContain('npm run build -w packages/console');
      expect(res.text, path).not.toContain(root);
      expectConsoleHeaders(res.headers, path);
    }
    expect((await fetch(`${unbuilt.base}/healthz`)).status).toBe(200);
  });
});
