import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseAllDocuments, type Document } from 'yaml';

/** The `--resources-path` folders of a daprd command line. */
export function resourcesOf(args: readonly string[]): string[] {
  return args.flatMap((a, i) => (args[i - 1] === '--resources-path' ? [a] : []));
}

const yamlFiles = (folder: string) => readdirSync(folder).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'));

function docsOf(folder: string, file: string): Document[] {
  return parseAllDocuments(readFileSync(join(folder, file), 'utf8')) as Document[];
}

const holds = (folder: string, what: (d: Document) => boolean) =>
  yamlFiles(folder)
    .flatMap((f) => docsOf(folder, f))
    .some(what);
const isPubsub = (d: Document) => String(d.getIn(['spec', 'type'])).startsWith('pubsub.');
const isResiliency = (d: Document) => d.get('kind') === 'Resiliency';

/**
 * Of a platform sidecar's resource folders, the pub/sub component's and the
 * Resiliency's, copied into `dir` with `appIds` added to every `scopes`
 * (components are scoped to the platform's apps, and a scoped component
 * loads only into the sidecars it lists). The platform's folders are this
 * run's own (consumers named `{appID}-<runId>`, see run-consumers.ts), so the
 * copies give the bare path's sidecars consumers of their own too.
 */
export function bareResources(o: { folders: readonly string[]; appIds: string[]; dir: string }): string[] {
  const chosen = o.folders.filter((f) => holds(f, (d) => isPubsub(d) || isResiliency(d)));
  if (!chosen.some((f) => holds(f, isPubsub)))
    throw new Error(`no pub/sub component among the platform's resources: ${o.folders.join(', ')}`);
  return chosen.map((folder, i) => {
    const target = join(o.dir, `${i}-${basename(folder)}`);
    mkdirSync(target, { recursive: true });
    for (const file of yamlFiles(folder)) {
      const docs = docsOf(folder, file).map((doc) => {
        const scopes = doc.get('scopes');
        if (scopes !== undefined) {
          const listed = ((doc.toJS() as { scopes?: string[] | null }).scopes ?? []).filter(
            (s) => !o.appIds.includes(s),
          );
          doc.set('scopes', [...listed, ...o.appIds]);
        }
        return doc.toString();
      });
      writeFileSync(join(target, file), docs.join('---\n'));
    }
    return target;
  });
}

/**
 * The broker addresses a platform sidecar was given (MERIDIAN_*: the embedded
 * MQTT broker's URL, the Kafka brokers, Mosquitto's URL), which the pub/sub
 * components read through envRef; nothing else of its environment (its tokens
 * are its own).
 */
export function brokerEnv(env: NodeJS.ProcessEnv | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env ?? {}).filter((e): e is [string, string] => e[0].startsWith('MERIDIAN_') && e[1] !== undefined),
  );
}
