/** A V8 CPU profile (.cpuprofile, Chrome DevTools' format): the parts read here. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Sampled milliseconds, idle included. */
  total_ms: number;
  /** Self time per package or source folder (node_modules/<pkg>, apps/<app>, packages/<pkg>, node internals). */
  by_group: { group: string; ms: number; share: number }[];
  /** Self time per function. */
  by_function: { fn: string; ms: number; share: number }[];
}

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

function groupOf(functionName: string, url: string): string {
  if (SPECIAL.has(functionName)) return functionName;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const own = /\/((?:apps|packages|tools)\/[^/]+)\//.exec(url);
  if (own) return own[1]!;
  if (url.startsWith('node:')) return 'node internals';
  return url ? url : 'native (no script)';
}

const where = (url: string, line: number) =>
  url
    ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/((?:apps|packages|tools)\/)/, '$1')}:${line + 1}`
    : '';

/** Self time per group and per function, largest first, `top` of each. */
export function summariseCpuProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const groups = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    if (!node) return;
    total += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const group = groupOf(functionName, url);
    groups.set(group, (groups.get(group) ?? 0) + us);
    const fn = `${functionName || '(anonymous)'} ${where(url, lineNumber)}`.trim();
    fns.set(fn, (fns.get(fn) ?? 0) + us);
  });
  const rank = <K extends string>(m: Map<string, number>, key: K) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([name, us]) =>
          ({
            [key]: name,
            ms: Math.round(us / 100) / 10,
            share: total ? Math.round((1000 * us) / total) / 1000 : 0,
          }) as { [P in K]: string } & { ms: number; share: number },
      );
  return { total_ms: Math.round(total / 1000), by_group: rank(groups, 'group'), by_function: rank(fns, 'fn') };
}

/** The summary as text: two ranked tables. */
export function formatSummary(name: string, s: ProfileSummary): string {
  const line = (ms: number, share: number, what: string) =>
    `${ms.toFixed(1).padStart(9)} ms ${(share * 100).toFixed(1).padStart(5)} %  ${what}`;
  return [
    `${name}: ${s.total_ms} ms sampled`,
    'self time by group:',
    ...s.by_group.map((g) => line(g.ms, g.share, g.group)),
    'self time by function:',
    ...s.by_function.map((f) => line(f.ms, f.share, f.fn)),
    '',
  ].join('\n');
}
