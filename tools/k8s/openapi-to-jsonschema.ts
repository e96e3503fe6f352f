/**
 * Turns OpenAPI schemas (Kubernetes' own v3 spec, CRDs' openAPIV3Schema) into the standalone,
 * strict JSON schemas (draft 4) that kubeconform -strict loads: one self-contained document per
 * group/version/kind, references resolved into its own `definitions`, and
 * `additionalProperties: false` on every object that lists its properties, so an unknown or
 * misspelt field is an error, as it is for the API server's strict field validation.
 *
 * Pure: no I/O. tools/k8s/schemas.ts feeds it the files and writes the results.
 */

export type JsonSchema = { [keyword: string]: unknown };

/** Where a schema lives for kubeconform: the file its default template `{kind}{-group}-{version}.json` names. */
export interface SchemaFile {
  readonly fileName: string;
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly schema: JsonSchema;
}

/** Keywords whose value maps names to schemas (the names are data, never keywords). */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions']);
/** Keywords whose value is a list of alternative or combined schemas. */
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf']);
/** Keywords whose value is one schema (items may also be a list). */
const SCHEMA_ONE = new Set(['items', 'additionalProperties', 'additionalItems', 'not']);
/** Prose only: dropped to keep the files small (kubeconform's messages never quote them). */
const DROPPED = new Set(['description', 'example', 'externalDocs']);

const isSchema = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * kubeconform's file name for a kind: lower-cased kind, then `-` and the group's first DNS label
 * (none for the core group), then `-` and the version: Deployment apps/v1 is
 * `deployment-apps-v1.json`, Service v1 is `service-v1.json`, ScaledObject keda.sh/v1alpha1 is
 * `scaledobject-keda-v1alpha1.json`.
 */
export function schemaFileName(group: string, version: string, kind: string): string {
  const suffix = group === '' ? '' : `-${group.split('.')[0]}`;
  return `${kind}${suffix}-${version}.json`.toLowerCase();
}

export interface StrictOptions {
  /** Replaces a `$ref` node (or a `{allOf: [{$ref}]}` wrapper with only prose beside it) by a schema. */
  readonly inline?: (ref: string) => JsonSchema;
}

/** Keywords that never change what validates: a node with only these beside its allOf-wrapped ref is that ref. */
const isAnnotation = (key: string) => DROPPED.has(key) || key === 'default' || key === 'title' || key.startsWith('x-');

/**
 * The `$ref` a node stands for: `{$ref}` itself, or Kubernetes' `{allOf: [{$ref}], default}`
 * wrapper. Unwrapping it keeps kubeconform's messages precise (an allOf reports only that it failed).
 */
function refOf(node: JsonSchema): string | undefined {
  if (typeof node.$ref === 'string') return node.$ref;
  const [only, ...more] = Array.isArray(node.allOf) ? node.allOf : [];
  const rest = Object.keys(node).filter((key) => key !== 'allOf' && !isAnnotation(key));
  if (!isSchema(only) || more.length > 0 || rest.length > 0) return undefined;
  return Object.keys(only).length === 1 && typeof only.$ref === 'string' ? only.$ref : undefined;
}

/**
 * One schema made strict. An object with `properties` and no `additionalProperties` of its own
 * gets `additionalProperties: false`, except where x-kubernetes-preserve-unknown-fields keeps
 * unknown fields, and nowhere inside allOf/anyOf/oneOf/not: there a branch only adds
 * constraints to fields its parent declares, so closing it would reject the parent's other
 * fields. `nullable: true` becomes an explicit null type (draft 4 has no nullable).
 */
export function toStrict(node: JsonSchema, opts: StrictOptions = {}, inBranch = false): JsonSchema {
  const ref = opts.inline ? refOf(node) : undefined;
  if (ref !== undefined && opts.inline) return opts.inline(ref);
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED.has(key)) continue;
    if (SCHEMA_MAPS.has(key) && isSchema(value)) {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [name, isSchema(child) ? toStrict(child, opts, inBranch) : child]),
      );
    } else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) {
      out[key] = value.map((child) => (isSchema(child) ? toStrict(child, opts, true) : child));
    } else if (SCHEMA_ONE.has(key) && (isSchema(value) || Array.isArray(value))) {
      const branch = inBranch || key === 'not';
      out[key] = Array.isArray(value)
        ? value.map((child) => (isSchema(child) ? toStrict(child, opts, branch) : child))
        : toStrict(value, opts, branch);
    } else {
      out[key] = value;
    }
  }
  const keepsUnknown = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (isSchema(node.properties) && !('additionalProperties' in node) && !keepsUnknown && !inBranch) {
    out.additionalProperties = false;
  }
  return node.nullable === true ? allowNull(out) : out;
}

function allowNull(schema: JsonSchema): JsonSchema {
  delete schema.nullable;
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null];
  if (typeof schema.type === 'string') return { ...schema, type: [schema.type, 'null'] };
  if (Array.isArray(schema.type))
    return schema.type.includes('null') ? schema : { ...schema, type: [...schema.type, 'null'] };
  return { anyOf: [{ type: 'null' }, schema] };
}

/**
 * A library of named definitions (an OpenAPI document's components.schemas) that hands out
 * standalone strict schemas: every `$ref` replaced by the strict definition it names, as
 * kubeconform's "standalone-strict" schemas are, so a failure deep in a pod spec is reported at
 * its own path. A recursive type (JSONSchemaProps) is inlined once per path and then refers to
 * itself under the document's `definitions`.
 */
export class DefinitionLibrary {
  constructor(
    private readonly defs: Readonly<Record<string, JsonSchema>>,
    private readonly sourcePrefix = '#/components/schemas/',
  ) {}

  has(name: string): boolean {
    return name in this.defs;
  }

  /** The definitions as given, sorted by name. */
  entries(): [string, JsonSchema][] {
    return Object.entries(this.defs).sort(([a], [b]) => a.localeCompare(b));
  }

  /** The definition's name for a source `$ref`, or an error naming the missing target. */
  nameOf(ref: string): string {
    const name = ref.startsWith(this.sourcePrefix) ? ref.slice(this.sourcePrefix.length) : '';
    if (!this.has(name)) throw new Error(`unresolvable $ref ${ref}`);
    return name;
  }

  /** A standalone strict document for a root schema written in this library's ref style. */
  standalone(root: JsonSchema): JsonSchema {
    const recursive = new Set<string>();
    const expand = (name: string, stack: readonly string[]): JsonSchema => {
      if (stack.includes(name)) {
        recursive.add(name);
        return { $ref: `#/definitions/${name}` };
      }
      const inner = [...stack, name];
      return toStrict(this.defs[name]!, { inline: (ref) => expand(this.nameOf(ref), inner) });
    };
    const out = toStrict(root, { inline: (ref) => expand(this.nameOf(ref), []) });
    const definitions: Record<string, JsonSchema> = {};
    for (
      let pending = [...recursive];
      pending.length > 0;
      pending = [...recursive].filter((n) => !(n in definitions))
    ) {
      for (const name of pending) {
        definitions[name] = toStrict(this.defs[name]!, { inline: (ref) => expand(this.nameOf(ref), [name]) });
      }
    }
    return recursive.size === 0 ? out : { ...out, definitions };
  }
}
