/**
 * Where the strict schemas come from: Kubernetes' OpenAPI v3 documents (one per group/version,
 * api/openapi-spec/v3 in the k8s.io/kubernetes module) and CustomResourceDefinitions (Dapr's,
 * KEDA's). Pure: tools/k8s/schemas.ts reads the files and writes what these return.
 */
import { z } from 'zod';
import { DefinitionLibrary, type JsonSchema, type SchemaFile, schemaFileName } from './openapi-to-jsonschema.ts';

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const COMPONENTS = '#/components/schemas/';

const Gvk = z.object({ group: z.string(), version: z.string(), kind: z.string() });
const OpenApiDoc = z.object({
  components: z.object({ schemas: z.record(z.string(), z.record(z.string(), z.unknown())).optional() }).optional(),
});

/** Every definition of the documents in one library; the same name defined twice differently is an error. */
export function kubernetesLibrary(docs: readonly unknown[]): DefinitionLibrary {
  const defs: Record<string, JsonSchema> = {};
  docs.forEach((doc, i) => {
    for (const [name, def] of Object.entries(OpenApiDoc.parse(doc).components?.schemas ?? {})) {
      if (name in defs && JSON.stringify(defs[name]) !== JSON.stringify(def)) {
        throw new Error(`definition ${name} differs between OpenAPI documents (document ${i})`);
      }
      defs[name] = def;
    }
  });
  return new DefinitionLibrary(defs, COMPONENTS);
}

/** One standalone strict schema per group/version/kind the documents declare (x-kubernetes-group-version-kind). */
export function kubernetesSchemas(library: DefinitionLibrary): SchemaFile[] {
  const files: SchemaFile[] = [];
  for (const [, def] of library.entries()) {
    const gvks = z.array(Gvk).optional().parse(def['x-kubernetes-group-version-kind']) ?? [];
    if (gvks.length === 0) continue;
    const schema = library.standalone(def);
    for (const { group, version, kind } of gvks) {
      files.push({ fileName: schemaFileName(group, version, kind), group, version, kind, schema });
    }
  }
  return files;
}

const Crd = z.object({
  apiVersion: z.literal('apiextensions.k8s.io/v1'),
  kind: z.literal('CustomResourceDefinition'),
  metadata: z.object({ name: z.string() }),
  spec: z.object({
    group: z.string(),
    names: z.object({ kind: z.string() }),
    versions: z.array(
      z.object({
        name: z.string(),
        served: z.boolean(),
        schema: z.object({ openAPIV3Schema: z.record(z.string(), z.unknown()) }).optional(),
      }),
    ),
  }),
});

/**
 * One standalone strict schema per served version of a CRD, from its openAPIV3Schema. The API
 * server validates every custom resource's metadata as an ObjectMeta whatever the CRD says
 * (CRDs declare it as a bare object), so `metadata` is checked against Kubernetes' ObjectMeta
 * from the library, with the CRD's own metadata schema still applied beside it.
 */
export function crdSchemas(doc: unknown, library: DefinitionLibrary): SchemaFile[] {
  const crd = Crd.parse(doc);
  if (!library.has(OBJECT_META)) throw new Error(`the Kubernetes definitions lack ${OBJECT_META}`);
  const { group, names, versions } = crd.spec;
  return versions
    .filter((v) => v.served)
    .map(({ name: version, schema }) => {
      if (!schema) throw new Error(`CRD ${crd.metadata.name} version ${version} has no openAPIV3Schema`);
      const root = schema.openAPIV3Schema;
      const properties = (root.properties ?? {}) as Record<string, JsonSchema>;
      const own = properties.metadata ?? {};
      // A bare `type: object` (what CRDs declare) adds nothing to ObjectMeta; anything more is kept beside it.
      const bare = Object.keys(own).every((k) => k === 'description' || (k === 'type' && own.type === 'object'));
      const objectMeta = { $ref: `${COMPONENTS}${OBJECT_META}` };
      const metadata = bare ? objectMeta : { allOf: [objectMeta, own] };
      const withMeta = { ...root, properties: { ...properties, metadata } };
      return {
        fileName: schemaFileName(group, version, names.kind),
        group,
        version,
        kind: names.kind,
        schema: library.standalone(withMeta),
      };
    });
}

/** The files, or an error naming two kinds that kubeconform's file name template cannot tell apart. */
export function assertDistinctFiles(files: readonly SchemaFile[]): void {
  const seen = new Map<string, string>();
  for (const { fileName, group, version, kind } of files) {
    const id = `${group || 'core'}/${version} ${kind}`;
    const other = seen.get(fileName);
    if (other !== undefined && other !== id) throw new Error(`${other} and ${id} would both be ${fileName}`);
    if (other === id) throw new Error(`${id} is declared twice`);
    seen.set(fileName, id);
  }
}
