/**
 * Dapr's access-control lists, compiled from Meridian's operation list.
 *
 * daprd (1.18, pkg/config/acl_trie.go) matches a called method against the
 * policy's operations as a trie, with three quirks this module accounts for:
 * - the first operation on the walk that carries a policy wins, so an
 *   operation is also the policy of every path below it (`/v2` governs
 *   `/v2/models/m/infer`);
 * - a `/*` segment matches only as the last one; a middle segment needs `/**`,
 *   which then matches exactly one segment;
 * - siblings are tried in the order they were listed, and a later operation
 *   on the same path as an earlier one is ignored.
 * So operations are listed literal first, their verbs merged per path, and
 * where one operation governs another's path it takes the other's verbs too
 * (reported as widened, so a reader sees what the ACL really allows).
 *
 * gRPC methods (`GRPC /package.Service/Method`, called through daprd's gRPC
 * proxy) are matched without a verb and case-sensitively, while an HTTP app's
 * operations are stored lower-cased: a method is listed with `*` for each
 * capital (`/inference.****nference*ervice/*odel*nfer`) and no HTTP verb, so
 * it matches the method's real spelling and no HTTP call.
 */

export interface Operation {
  verb: string;
  /** With `{param}` segments, e.g. `/v2/models/{model}/infer`. */
  path: string;
}

export interface AclOperation {
  name: string;
  httpVerb: string[];
  action: 'allow';
}

export interface CompiledAcl {
  operations: AclOperation[];
  /** Operations whose path is governed by another (shorter) one, which therefore also allows their verbs. */
  widened: { operation: string; governedBy: string }[];
}

export function parseOperation(op: string): Operation {
  const grpc = /^GRPC (\/[A-Za-z_][\w.]*\/[A-Za-z_]\w*)$/.exec(op);
  if (grpc) return { verb: GRPC, path: grpc[1]! };
  const match = /^(GET|POST|PUT|DELETE|PATCH) (\/[^\s]*)$/.exec(op);
  if (!match) throw new Error(`operation "${op}" is not "<VERB> /path" nor "GRPC /package.Service/Method"`);
  return { verb: match[1]!, path: match[2]! };
}

/** The verb of a gRPC method (it has none in Dapr's ACL). */
export const GRPC = 'GRPC';

/** `/inference.GRPCInferenceService/ModelInfer` → `/inference.****nference*ervice/*odel*nfer` (see above). */
export const grpcPattern = (path: string) => path.replace(/[A-Z]/g, '*');

const isParam = (segment: string) => /^\{[a-z][a-z0-9_]*\}$/i.test(segment);

/** `/v2/models/{model}/infer` → `/v2/models/**` + `/infer`; a last parameter is `/*`. */
export function daprPattern(path: string): string {
  const segments = path.split('/').slice(1);
  return `/${segments.map((s, i) => (isParam(s) ? (i === segments.length - 1 ? '*' : '**') : s.toLowerCase())).join('/')}`;
}

/** A concrete path the operation serves, to test patterns against. */
export function samplePath(path: string): string {
  return path
    .split('/')
    .map((s) => (isParam(s) ? 'x' : s.toLowerCase()))
    .join('/');
}

const rank = (segment: string) => (segment === '**' ? 2 : segment === '*' ? 1 : 0);

/** Literal segments before `*` before `**`, level by level, so a wildcard never shadows a literal sibling. */
function comparePatterns(a: string, b: string): number {
  const sa = a.split('/');
  const sb = b.split('/');
  for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
    const byRank = rank(sa[i]!) - rank(sb[i]!);
    if (byRank) return byRank;
    if (sa[i] !== sb[i]) return sa[i]! < sb[i]! ? -1 : 1;
  }
  return sa.length - sb.length;
}

interface Node {
  part: string;
  pattern: string | undefined;
  children: Node[];
}

function wildcardMatch(target: string, pattern: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(target);
}

function findChild(node: Node, part: string, isEnd: boolean): Node | undefined {
  for (const child of node.children) {
    if (child.part === part) return child;
    if (child.part === '/*') {
      if (isEnd) return child;
      continue;
    }
    if (child.part === '/**') return child;
    if (wildcardMatch(part, child.part)) return child;
  }
  return undefined;
}

/** The pattern daprd's trie answers for a path (an HTTP one lower-cased), given patterns in the order they are listed. */
export function daprAclSearch(
  patterns: string[],
  path: string,
  o: { caseSensitive?: boolean } = {},
): string | undefined {
  const root: Node = { part: '/', pattern: undefined, children: [] };
  for (const pattern of patterns) {
    const parts = pattern.split('/').slice(1);
    let node = root;
    parts.forEach((p, i) => {
      const part = `/${p}`;
      const isLast = i === parts.length - 1;
      let child = node.children.find((c) => c.part === part);
      if (!child) {
        child = { part, pattern: isLast ? pattern : undefined, children: [] };
        node.children.push(child);
      } else if (isLast && child.pattern === undefined) {
        child.pattern = pattern;
      }
      node = child;
    });
  }
  const parts = (o.caseSensitive ? path : path.toLowerCase()).split('/').slice(1);
  let node: Node | undefined = root;
  for (let i = 0; i < parts.length; i++) {
    const isEnd = i === parts.length - 1;
    node = findChild(node, `/${parts[i]}`, isEnd);
    if (!node) return undefined;
    if (node.pattern !== undefined) {
      if (!isEnd && node.part.endsWith('/*') && !node.part.endsWith('/**')) continue;
      return node.pattern;
    }
    if (isEnd) return findChild(node, '/*', true)?.pattern;
  }
  return undefined;
}

/** Whether daprd would let a caller with these operations call `verb path` (verb GRPC: a gRPC method path). */
export function daprAclAllows(acl: AclOperation[], verb: string, path: string): boolean {
  const names = acl.map((o) => o.name);
  if (verb === GRPC) return daprAclSearch(names, path, { caseSensitive: true }) !== undefined;
  const hit = daprAclSearch(names, path);
  return hit !== undefined && (acl.find((o) => o.name === hit)?.httpVerb ?? []).some((v) => v === verb || v === '*');
}

export function compileAcl(all: Operation[]): CompiledAcl {
  const ops = all.filter((op) => op.verb !== GRPC);
  const methods = all.filter((op) => op.verb === GRPC);
  const verbs = new Map<string, Set<string>>();
  for (const op of ops) {
    const pattern = daprPattern(op.path);
    if (!verbs.has(pattern)) verbs.set(pattern, new Set());
    verbs.get(pattern)!.add(op.verb);
  }
  for (const op of methods) verbs.set(grpcPattern(op.path), new Set());
  const patterns = [...verbs.keys()].sort(comparePatterns);
  for (const op of methods)
    if (daprAclSearch(patterns, op.path, { caseSensitive: true }) !== grpcPattern(op.path))
      throw new Error(`gRPC method ${op.path} would be governed by another operation in a Dapr ACL`);
  const governing = (op: Operation) => {
    const hit = daprAclSearch(patterns, samplePath(op.path));
    if (hit === undefined) throw new Error(`operation ${op.verb} ${op.path} cannot be expressed in a Dapr ACL`);
    return hit;
  };
  // A governing operation takes the verbs of what it governs; repeat until nothing changes.
  for (let changed = true; changed; ) {
    changed = false;
    for (const op of ops) {
      const hit = verbs.get(governing(op))!;
      if (!hit.has(op.verb)) {
        hit.add(op.verb);
        changed = true;
      }
    }
  }
  const widened = ops
    .map((op) => ({ operation: `${op.verb} ${daprPattern(op.path)}`, governedBy: governing(op) }))
    .filter((w) => !w.operation.endsWith(` ${w.governedBy}`));
  return {
    operations: patterns.map((name) => ({ name, httpVerb: [...verbs.get(name)!].sort(), action: 'allow' })),
    widened: widened.filter((w, i) => widened.findIndex((x) => x.operation === w.operation) === i),
  };
}
