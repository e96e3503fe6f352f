/**
 * Writes the strict kubeconform schemas for Kubernetes' own API and Dapr's and KEDA's CRDs into
 * a directory, one `{kind}{-group}-{version}.json` per kind (see openapi-to-jsonschema.ts), plus
 * index.json naming the sources and kinds. The sources come from the Go module proxy (`go mod
 * download`). Run through tools/k8s/schemas.sh, which caches the result and prints its path.
 *
 *   tsx tools/k8s/schemas.ts --out DIR --kubernetes v1.34.4 --dapr v1.18.3 --keda v2.21.0
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { SchemaFile } from './openapi-to-jsonschema.ts';
import { assertDistinctFiles, crdSchemas, kubernetesLibrary, kubernetesSchemas } from './schemas-sources.ts';

const log = (msg: string) => process.stderr.write(`[k8s] ${msg}\n`);

/** The module's directory in the Go module cache, downloading it from the proxy if needed. */
function goModule(path: string, version: string): string {
  const scratch = mkdtempSync(join(tmpdir(), 'meridian-k8s-mod-'));
  try {
    writeFileSync(join(scratch, 'go.mod'), 'module meridian.local/k8s-schemas\n\ngo 1.24\n');
    const run = () =>
      execFileSync('go', ['mod', 'download', '-json', `${path}@${version}`], {
        cwd: scratch,
        encoding: 'utf8',
        env: { ...process.env, GOFLAGS: '-mod=mod' },
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 16 << 20,
      });
    let out: string;
    try {
      out = run();
    } catch (err) {
      // go mod download -json reports a refused module on stdout and exits non-zero.
      out = String((err as { stdout?: unknown }).stdout ?? '') || String(err);
    }
    const info = JSON.parse(out) as { Dir?: string; Error?: string };
    if (!info.Dir) throw new Error(`go mod download ${path}@${version}: ${info.Error ?? out}`);
    return info.Dir;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const filesIn = (dir: string, suffix: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => join(dir, f));

function crdFiles(dir: string, library: ReturnType<typeof kubernetesLibrary>): SchemaFile[] {
  const files = filesIn(dir, '.yaml');
  if (files.length === 0) throw new Error(`no CRDs in ${dir}`);
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(file, 'utf8'))
      .map((doc) => {
        if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
        return doc.toJS() as unknown;
      })
      .filter((doc) => doc !== null && doc !== undefined)
      .flatMap((doc) => crdSchemas(doc, library)),
  );
}

function main(): void {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      kubernetes: { type: 'string' },
      dapr: { type: 'string' },
      keda: { type: 'string' },
    },
  });
  const { out, kubernetes, dapr, keda } = values;
  if (!out || !kubernetes || !dapr || !keda) {
    throw new Error('usage: schemas.ts --out DIR --kubernetes vX --dapr vX --keda vX');
  }
  const start = Date.now();
  const sources = {
    kubernetes: { module: 'k8s.io/kubernetes', version: kubernetes, dir: 'api/openapi-spec/v3' },
    dapr: { module: 'github.com/dapr/dapr', version: dapr, dir: 'charts/dapr/crds' },
    keda: { module: 'github.com/kedacore/keda/v2', version: keda, dir: 'config/crd/bases' },
  };
  const dirs = Object.fromEntries(
    Object.entries(sources).map(([name, s]) => [name, join(goModule(s.module, s.version), s.dir)]),
  ) as Record<keyof typeof sources, string>;
  log(`modules ready in ${Date.now() - start} ms; converting`);

  const specs = filesIn(dirs.kubernetes, '.json').map((f) => JSON.parse(readFileSync(f, 'utf8')) as unknown);
  const library = kubernetesLibrary(specs);
  const bySource = {
    kubernetes: kubernetesSchemas(library),
    dapr: crdFiles(dirs.dapr, library),
    keda: crdFiles(dirs.keda, library),
  };
  const all = Object.values(bySource).flat();
  assertDistinctFiles(all);

  mkdirSync(out, { recursive: true });
  for (const file of all) writeFileSync(join(out, file.fileName), JSON.stringify(file.schema));
  const index = Object.fromEntries(
    Object.entries(bySource).map(([name, files]) => [
      name,
      {
        ...sources[name as keyof typeof sources],
        kinds: files.map((f) => `${f.group ? `${f.group}/` : ''}${f.version} ${f.kind}`),
      },
    ]),
  );
  // Written last: its presence marks a complete directory.
  writeFileSync(join(out, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
  log(`wrote ${all.length} schemas in ${Date.now() - start} ms to ${out}`);
}

try {
  main();
} catch (err) {
  log(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
