import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isMap, isScalar, parseDocument, type Document } from 'yaml';
import type { AppSpec } from './apps.ts';
import { repoPath } from './paths.ts';

const SECRET_STORE = 'secretstore';

function componentFiles(dir = repoPath('components')): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return componentFiles(path);
    return name.endsWith('.yaml') ? [path] : [];
  });
}

/**
 * Every component YAML under components/ with its `scopes` set from
 * apps/apps.json: a component loads only into the sidecars of the apps that
 * use it. A component whose settings come from the secret store (S3, Azure,
 * Cosmos) needs that store in the same sidecar, so the store is scoped to
 * those apps too; the Configuration's secret scopes still keep them from
 * reading any secret through the API.
 */
export function scopedComponents(apps: AppSpec[]): Map<string, string> {
  const docs = componentFiles().map((path) => ({ path, doc: parseDocument(readFileSync(path, 'utf8')) as Document }));
  const nameOf = (doc: Document) => String(doc.getIn(['metadata', 'name']));
  const usesSecrets = new Set(
    docs.filter(({ doc }) => doc.getIn(['auth', 'secretStore']) === SECRET_STORE).map(({ doc }) => nameOf(doc)),
  );
  const scopes = (component: string) =>
    apps
      .filter(
        (a) =>
          a.dapr.components.includes(component) ||
          (component === SECRET_STORE && a.dapr.components.some((c) => usesSecrets.has(c))),
      )
      .map((a) => a.id);
  const files = new Map<string, string>();
  for (const { path, doc } of docs) {
    if (doc.get('kind') !== 'Component') continue;
    doc.delete('scopes');
    const pair = doc.createPair('scopes', scopes(nameOf(doc)));
    if (isScalar(pair.key))
      pair.key.commentBefore =
        ' The apps whose sidecars load this component: generated from apps/apps.json (npm run gen).';
    if (isMap(doc.contents)) doc.contents.items.push(pair);
    files.set(relative(repoPath(), path), doc.toString({ lineWidth: 0 }));
  }
  return files;
}
