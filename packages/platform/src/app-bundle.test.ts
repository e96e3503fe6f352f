import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleApp, bundlePath } from './app-bundle.ts';
import { loadApps } from './apps.ts';
import { repoPath } from './paths.ts';

const fixture = `bundle-test-${process.pid}`;
afterAll(() => {
  rmSync(repoPath('dist', fixture), { recursive: true, force: true });
  rmSync(repoPath('dist', 'apps', fixture), { recursive: true, force: true });
});

describe('app bundles (what npm start and the tests run, as the images do)', () => {
  it('when every app is bundled, then the workspace packages are inside, npm packages stay imports, and no closure is renamed as it is made', async () => {
    for (const app of loadApps()) {
      const js = readFileSync(await bundleApp(app), 'utf8');
      expect([app.id, /(?:from|import)[ (]*"@meridian\//.test(js)]).toEqual([app.id, false]);
      expect([app.id, /from "express"|from "zod"/.test(js)]).toEqual([app.id, true]);
      // No keepNames: its __name() runs at every closure's creation, on every request's hot path.
      expect([app.id, js.includes('__name(')]).toEqual([app.id, false]);
      expect([app.id, js.includes('//# sourceMappingURL=data:application/json;base64,')]).toEqual([app.id, true]);
    }
  });

  it('when an unchanged app is bundled again, then its file is left as it was', async () => {
    const [app] = loadApps();
    const file = await bundleApp(app!);
    const before = statSync(file);
    expect(await bundleApp(app!)).toBe(file);
    const after = statSync(file);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it('when an entry imports a @meridian package that is not in packages/, then bundling fails naming it and writes nothing', async () => {
    const dir = repoPath('dist', fixture, 'src');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'main.ts'), "import { start } from '@meridian/gateway';\nawait start();\n");
    await expect(bundleApp({ id: fixture, entry: `dist/${fixture}/src/main.ts` })).rejects.toThrow(
      /imports @meridian\/gateway, which is not a package in packages\//,
    );
    expect(() => statSync(bundlePath(fixture))).toThrow();
  });

  it('when the images are built, then the Dockerfile bundles each app with the same options', () => {
    const dockerfile = readFileSync(repoPath('Dockerfile'), 'utf8');
    for (const flag of [
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--target=node20',
      '--packages=external',
      '--sourcemap',
    ])
      expect(dockerfile).toContain(flag);
    expect(dockerfile).not.toContain('--keep-names');
    // The shell's alias per packages/<dir>, as workspaceAliases makes them.
    expect(dockerfile).toContain(['--alias:@meridian/$', '{d#packages/}=./$d/src/index.ts'].join(''));
  });
});
