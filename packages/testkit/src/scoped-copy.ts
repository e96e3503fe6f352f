import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseDocument } from 'yaml';

/**
 * Copies of component folders that also load into one more app id: for a
 * sidecar outside the platform (a test's probe subscriber), since every
 * component lists the apps it is scoped to. Returns the copied folders.
 */
export function componentsFor(o: { appId: string; folders: string[]; dir: string }): string[] {
  return o.folders.map((folder, i) => {
    const target = join(o.dir, `${i}-${basename(folder)}`);
    mkdirSync(target, { recursive: true });
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.yaml'))) {
      const doc = parseDocument(readFileSync(join(folder, file), 'utf8'));
      const scopes = doc.get('scopes');
      if (scopes !== undefined) doc.set('scopes', [...((doc.toJS() as { scopes?: string[] }).scopes ?? []), o.appId]);
      writeFileSync(join(target, file), doc.toString());
    }
    return target;
  });
}
