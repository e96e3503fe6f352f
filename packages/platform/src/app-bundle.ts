import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { build } from 'esbuild';
import type { AppSpec } from './apps.ts';
import { repoPath } from './paths.ts';

/**
 * Where an app's bundle is written: three folders below the repository, as its entry's module
 * is (apps/<id>/src), so a path an app builds from `import.meta.url` (the gateway's console
 * folder) names the same place from the bundle.
 */
export const bundlePath = (id: string): string => repoPath('dist', 'apps', id, 'main.mjs');

/** `@meridian/<dir>` → `packages/<dir>/src/index.ts`: the workspace packages are bundled in from their sources. */
function workspaceAliases(): Record<string, string> {
  return Object.fromEntries(
    readdirSync(repoPath('packages'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => [`@meridian/${d.name}`, repoPath('packages', d.name, 'src', 'index.ts')]),
  );
}

/**
 * Bundles an app's entry into one ES module, the way its image does (Dockerfile, stage
 * `bundle`): our own code and the workspace packages in, every npm package imported from
 * `node_modules` at run time, the source map inline so stack traces name the TypeScript. No
 * `keepNames`: it wraps every function expression in a call that redefines its `name`, each time
 * the closure is made, which cost the inference app about a sixth of its requests per second
 * (docs/performance.md); nothing of ours reads a function's name (training's workflow calls its
 * activities by the names they are registered under). A node started on
 * the bundle loads in about a third of the CPU the same app took under tsx, whose loader hooks
 * resolve and compile each of the app's modules as it is imported (docs/performance.md).
 *
 * Written only when its content changed, by rename, so processes starting apps from the same
 * tree at once never see half a file.
 */
export async function bundleApp(spec: Pick<AppSpec, 'id' | 'entry'>): Promise<string> {
  const out = bundlePath(spec.id);
  const result = await build({
    entryPoints: [repoPath(spec.entry)],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    alias: workspaceAliases(),
    sourcemap: 'inline',
    write: false,
    logLevel: 'silent',
  });
  const js = result.outputFiles[0]!.text;
  // A @meridian import left out of the bundle (one app importing another) would fail only at start.
  const stray = /(?:from|import)[ (]*"(@meridian\/[^"]+)"/.exec(js);
  if (stray) throw new Error(`${spec.entry} imports ${stray[1]}, which is not a package in packages/`);
  let current: string | undefined;
  try {
    current = readFileSync(out, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== js) {
    mkdirSync(dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(tmp, js);
    renameSync(tmp, out);
  }
  return out;
}

const bundled = new Map<string, Promise<string>>();

/** Each app's bundle, built once per process (a test file starts many platforms from one tree). */
export function appBundle(spec: Pick<AppSpec, 'id' | 'entry'>): Promise<string> {
  let found = bundled.get(spec.id);
  if (!found) {
    found = bundleApp(spec);
    found.catch(() => bundled.delete(spec.id));
    bundled.set(spec.id, found);
  }
  return found;
}
