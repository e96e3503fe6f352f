import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as the tests read it: loosely typed, each test checks what it needs. */
export type Manifest = Record<string, any>;

export const manifestsIn = (text: string): Manifest[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as Manifest | null)
    .filter((d): d is Manifest => d !== null);

/** The documents of the generated files whose paths start with `prefix`. */
export const generated = (files: Map<string, string>, prefix: string): Manifest[] =>
  [...files].filter(([path]) => path.startsWith(prefix)).flatMap(([, text]) => manifestsIn(text));

/**
 * `kubectl kustomize` of generated files (written to a scratch directory, so
 * the generator is tested and not whatever is on disk): the objects
 * `kubectl apply -k` would send.
 */
export function kustomize(files: Map<string, string>, dir: string): Manifest[] {
  const root = mkdtempSync(join(tmpdir(), 'meridian-deploy-'));
  try {
    for (const [path, text] of files) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const out = execFileSync('kubectl', ['kustomize', join(root, dir)], { encoding: 'utf8', maxBuffer: 64 << 20 });
    return manifestsIn(out);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export const ofKind = (docs: Manifest[], kind: string) => docs.filter((d) => d.kind === kind);
export const named = (docs: Manifest[], kind: string, name: string) =>
  docs.find((d) => d.kind === kind && d.metadata?.name === name);
