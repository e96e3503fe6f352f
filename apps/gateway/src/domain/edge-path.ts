import { AppError } from '@meridian/service-kit';

/** Characters a canonical path may hold; anything else (%, \, ;, non-ASCII, ...) is not our spelling. */
const PATH_CHARS = /^[A-Za-z0-9._~:@!$&'()*+,=/-]+$/;

const refuse = (why: string) => new AppError({ code: 'BAD_REQUEST', message: `non-canonical path: ${why}` });

/**
 * Splits a raw request target into its path and query, refusing any path a
 * server behind the gateway could read differently than the gateway does:
 * percent-encoding (so `%2e%2e`, `%2f`, `%5c` and `%00` never arrive),
 * backslashes, dot segments, empty segments and a trailing slash, except on
 * a path the route table spells with one (`slashPaths`, e.g. `/console/`).
 */
export function canonicalTarget(
  rawUrl: string,
  o: { slashPaths?: ReadonlySet<string> } = {},
): { path: string; query: string } {
  const q = rawUrl.indexOf('?');
  const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
  const query = q === -1 ? '' : rawUrl.slice(q + 1);
  if (!path.startsWith('/')) throw refuse('it must start with /');
  if (path.includes('%')) throw refuse('percent-encoded characters are not accepted in paths');
  if (path.includes('\\')) throw refuse('backslash');
  if (!PATH_CHARS.test(path)) throw refuse('characters outside the path alphabet');
  const checked = o.slashPaths?.has(path) ? path.slice(0, -1) : path;
  if (checked.length > 1) {
    const segments = checked.slice(1).split('/');
    if (segments.some((s) => s === '')) throw refuse('empty segment (double or trailing slash)');
    if (segments.some((s) => s === '.' || s === '..')) throw refuse('dot segment');
  }
  return { path, query };
}

export interface PathPattern {
  /** Literal segments and `{param}` segments; the last may be `{param+}`. */
  segments: string[];
  /** Per segment, the name of its `{param}`, or undefined for a literal (read once here, not per request). */
  params: (string | undefined)[];
  /** Per literal segment, its lower-case spelling (to tell a case variant from a miss). */
  lower: string[];
  /** The `{param+}` that takes the last segment and every one after it (joined by `/`), if the pattern ends with one. */
  tail?: string;
}

export const compilePattern = (path: string): PathPattern => {
  const segments = path.split('/').slice(1);
  const tail = /^\{([a-z]+)\+\}$/.exec(segments.at(-1) ?? '')?.[1];
  const params = segments.map((seg) => /^\{([a-z]+)\}$/.exec(seg)?.[1]);
  const lower = segments.map((seg) => seg.toLowerCase());
  return tail ? { segments, params, lower, tail } : { segments, params, lower };
};

/** A canonical path's segments, as matchParts takes them. */
export const pathParts = (path: string): string[] => (path === '/' ? [] : path.slice(1).split('/'));

export type PathMatch =
  | { kind: 'exact'; params: Record<string, string>; literals: number }
  | { kind: 'case-variant' }
  | { kind: 'none' };

/**
 * Matches a canonical path against a pattern: literal segments must be
 * spelled exactly; one that differs only by case is reported, so `/V2/...`
 * is refused as a spelling instead of being served or passed on.
 */
export function matchPath(pattern: PathPattern, path: string): PathMatch {
  return matchParts(pattern, pathParts(path));
}

/** matchPath on a path already split into its segments (split once, matched against every route). */
export function matchParts(pattern: PathPattern, all: string[]): PathMatch {
  const fixed = pattern.tail ? pattern.segments.length - 1 : pattern.segments.length;
  if (pattern.tail ? all.length <= fixed : all.length !== fixed) return { kind: 'none' };
  const params: Record<string, string> = pattern.tail ? { [pattern.tail]: all.slice(fixed).join('/') } : {};
  let caseVariant = false;
  let literals = 0;
  for (let i = 0; i < fixed; i++) {
    const part = all[i]!;
    const param = pattern.params[i];
    if (param) {
      params[param] = part;
    } else if (pattern.segments[i] === part) {
      literals++;
    } else if (pattern.lower[i] === part.toLowerCase()) {
      caseVariant = true;
    } else {
      return { kind: 'none' };
    }
  }
  return caseVariant ? { kind: 'case-variant' } : { kind: 'exact', params, literals };
}

/** Every path parameter must match its pattern; the first that does not is a 400 naming it. */
export function validateParams(params: Record<string, string>, patterns: Record<string, RegExp>): void {
  for (const [name, value] of Object.entries(params)) {
    const re = patterns[name];
    if (!re) throw new Error(`no pattern for path parameter {${name}}`);
    if (!re.test(value)) {
      throw new AppError({
        code: 'BAD_REQUEST',
        message: `path parameter ${name} is not valid`,
        errors: [{ path: `path.${name}`, message: `must match ${re.source}` }],
      });
    }
  }
}

/** Only the listed query parameters, each once and valid; rebuilt from the parsed values. */
export function validateQuery(
  raw: string,
  allowed: Record<string, { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string }[] } } }>,
): URLSearchParams {
  const given = new URLSearchParams(raw);
  const out = new URLSearchParams();
  const errors: { path: string; message: string }[] = [];
  for (const key of new Set(given.keys())) {
    const values = given.getAll(key);
    const schema = allowed[key];
    if (!schema) errors.push({ path: `query.${key.slice(0, 40)}`, message: 'unknown query parameter' });
    else if (values.length > 1) errors.push({ path: `query.${key}`, message: 'given more than once' });
    else {
      const parsed = schema.safeParse(values[0]);
      if (parsed.success) out.set(key, values[0]!);
      else errors.push({ path: `query.${key}`, message: parsed.error?.issues[0]?.message ?? 'invalid' });
    }
  }
  if (errors.length)
    throw new AppError({
      code: 'BAD_REQUEST',
      message: `query is invalid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
      errors,
    });
  return out;
}
