import { realpath, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { RequestHandler, Response } from 'express';
import { AppError, requestLogger } from '@meridian/service-kit';

/**
 * The console's own scripts, styles and fetches only; no framing, no <base>,
 * no inline script. Styles need no 'unsafe-inline': Vite emits the CSS as
 * files, and uPlot and Preact set styles through the CSSOM (`el.style.x =`),
 * which a CSP does not govern; a `style="..."` attribute in markup would be
 * refused.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** On every answer under /console, files and problems alike. */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const ASSETS_PREFIX = '/console/assets/';
const YEAR_MS = 365 * 24 * 3600 * 1000;

const isFile = (path: string) =>
  stat(path).then(
    (s) => s.isFile(),
    () => false,
  );

/**
 * The real file a name under `assets/` stands for, or undefined: it must
 * resolve (symbolic links followed) to a regular file inside the assets
 * directory. The router has already refused dot segments, `%` and `\`, and
 * the page pattern refuses names starting with a dot.
 */
async function assetFile(assets: string, name: string): Promise<string | undefined> {
  const root = await realpath(assets).catch(() => undefined);
  if (!root) return undefined;
  const file = await realpath(resolve(root, name)).catch(() => undefined);
  if (!file?.startsWith(root + sep) || !(await isFile(file))) return undefined;
  return file.slice(root.length + 1);
}

function sendFrom(o: { res: Response; root: string; file: string; cache: 'immutable' | 'revalidate' }): Promise<void> {
  return new Promise((done, fail) => {
    o.res.sendFile(
      o.file,
      {
        root: o.root,
        dotfiles: 'deny',
        ...(o.cache === 'immutable'
          ? { maxAge: YEAR_MS, immutable: true }
          : { cacheControl: false, headers: { 'cache-control': 'no-cache' } }),
      },
      (err?: Error & { code?: string; status?: number }) => {
        if (!err || err.code === 'ECONNABORTED' || o.res.headersSent) done();
        else if (err.code === 'ENOENT' || (err.status !== undefined && err.status < 500))
          fail(new AppError({ code: 'NOT_FOUND', message: 'no such console file' }));
        else fail(err);
      },
    );
  });
}

/**
 * The console (a single-page app built into `dir`): a file under `assets/`
 * (hashed names, cached for good) when it exists, 404 when it does not (a
 * page of HTML in its place would only fail as a script); `index.html`
 * (revalidated every time) for /console and every other page below it, so
 * the app's own routes load on reload. 503 while the console is not built.
 * Runs on the canonical path the edge router checked (`res.locals.path`).
 */
export function serveConsole(o: { dir: string }): RequestHandler {
  const dist = resolve(o.dir);
  const assets = join(dist, 'assets');
  return async function consoleFile(_req, res, next) {
    try {
      res.set(CONSOLE_HEADERS);
      if (!(await isFile(join(dist, 'index.html')))) {
        requestLogger().warn({ console_dir: dist }, 'console not built: no index.html in CONSOLE_DIR');
        throw new AppError({
          code: 'UNAVAILABLE',
          // The directory is in the log line above: a stranger learns no path of the server.
          message: 'the console is not built: run npm run build -w packages/console',
        });
      }
      const path = String(res.locals.path);
      if (path.startsWith(ASSETS_PREFIX)) {
        const file = await assetFile(assets, path.slice(ASSETS_PREFIX.length));
        if (!file) throw new AppError({ code: 'NOT_FOUND', message: 'no such console file' });
        await sendFrom({ res, root: assets, file, cache: 'immutable' });
        return;
      }
      await sendFrom({ res, root: dist, file: 'index.html', cache: 'revalidate' });
    } catch (err) {
      next(err);
    }
  };
}
