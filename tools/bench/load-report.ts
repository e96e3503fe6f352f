import type { StackResult } from './load-stack.ts';
import type { Overload } from './overload.ts';
import type { Search } from './rate-search.ts';
import type { Soak } from './soak.ts';

const ran = <T extends object>(phase: T | { skipped: string }): T | undefined =>
  'skipped' in phase ? undefined : phase;
const show = (x: number | null | undefined) => (x === null || x === undefined ? '-' : String(x));
const table = (head: string[], align: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `| ${align.join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** Every step of every stack's search. */
export function stepsTable(results: StackResult[]): string {
  const rows = results.flatMap((r) =>
    (ran<Search>(r.search)?.steps ?? []).map((s) => [
      r.stack,
      String(s.target_rps),
      String(s.answered_rps),
      show(s.load.admitted.p50_ms),
      show(s.load.admitted.p99_ms),
      (s.failed_share * 100).toFixed(2),
      String(s.load.shed_by_client),
      `${show(s.lag_mid)} → ${show(s.lag_end)}`,
      s.verdict.sustainable ? 'yes' : 'no',
    ]),
  );
  return table(
    [
      'stack',
      'target rps',
      'answered/s',
      'p50 ms',
      'p99 ms',
      'failed %',
      'shed by client',
      'lag mid → end',
      'sustainable',
    ],
    ['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---'],
    rows,
  );
}

function soakCells(s: Soak | undefined): string[] {
  if (!s) return ['-', '-', '-', '-', '-', '-'];
  const [name, worst] = Object.entries(s.memory).sort(([, a], [, b]) => b.growth_mb - a.growth_mb)[0] ?? [
    '-',
    undefined,
  ];
  return [
    String(s.target_rps),
    String(s.answered),
    String(s.lost),
    String(s.double_counted),
    `${show(s.lag.first_quarter)} → ${show(s.lag.last_quarter)}`,
    worst ? `${worst.growth_mb} (${name})` : '-',
  ];
}

function overloadCells(o: Overload | undefined): string[] {
  if (!o) return ['-', '-', '-', '-', '-', '-', '-'];
  return [
    String(o.target_rps),
    String(o.refused),
    `${show(o.load.refused.p50_ms)} / ${show(o.load.refused.p99_ms)}`,
    show(o.load.admitted.p99_ms),
    String(o.load.shed_by_client),
    show(o.readyz_s),
    o.drain.drained ? o.drain.seconds.toFixed(1) : `not drained (${o.drain.lag})`,
  ];
}

/** One row per stack: the sustainable rate, the soak's ledger and trends, the overload's shedding and recovery. */
export function summaryTable(results: StackResult[]): string {
  const rows = results.map((r) => [
    r.stack,
    show(r.sustainable_rps),
    ...soakCells(ran<Soak>(r.soak)),
    ...overloadCells(ran<Overload>(r.overload)),
  ]);
  return table(
    [
      'stack',
      'sustainable rps',
      'soak rps',
      'soak answered',
      'lost',
      'double counted',
      'lag 1st → last quarter',
      'max RSS growth MB',
      'overload rps',
      '429/503',
      'to 429/503 p50 / p99 ms',
      'admitted p99 ms',
      'shed by client',
      'readyz s',
      'drain s',
    ],
    [
      '---',
      '---:',
      '---:',
      '---:',
      '---:',
      '---:',
      '---:',
      '---:',
      '---:',
      '---:',
      '---:',
      '---:',
      '---:',
      '---:',
      '---:',
    ],
    rows,
  );
}

/** Warnings and errors the apps and sidecars logged, per stack, most frequent first, and one body of each non-200 answer. */
export function logSummary(results: StackResult[]): string {
  return results
    .map((r) => {
      const lines = Object.entries(r.logs).map(
        ([file, d]) =>
          `  ${file}: ${d.errors} errors, ${d.warnings} warnings; ${d.top
            .slice(0, 3)
            .map((t) => `${t.count}× ${t.message.slice(0, 120)}`)
            .join(' | ')}`,
      );
      const answers = Object.entries(r.failure_samples).map(
        ([status, body]) => `  a ${status} answer: ${body.replace(/\s+/g, ' ').slice(0, 200)}`,
      );
      return [
        `${r.stack}:${r.error ? ` FAILED: ${r.error.split('\n')[0]}` : ''}`,
        ...(lines.length ? lines : ['  no warnings or errors logged']),
        ...answers,
      ].join('\n');
    })
    .join('\n');
}

const yesNo = (ok: boolean | null) => (ok === null ? 'n/a' : ok ? 'yes' : 'NO');

/** Each target in words, per stack. */
export function verdicts(results: StackResult[]): string {
  return results
    .map((r) => {
      const soak = ran<Soak>(r.soak);
      const over = ran<Overload>(r.overload);
      const parts = [`${r.stack}: sustainable ${show(r.sustainable_rps)} rps`];
      if (soak) {
        parts.push(
          `soak: lost ${soak.lost}, double counted ${soak.double_counted}, lag flat ${yesNo(soak.lag.flat)}, memory flat ${yesNo(soak.memory_flat)}`,
        );
      }
      if (over) {
        parts.push(
          `overload: sheds within target ${yesNo(over.verdict.sheds_within_target)} (p99 ${show(over.load.refused.p99_ms)} ms), ` +
            `ready and drained within target ${yesNo(over.verdict.recovers_within_target)}`,
        );
      }
      return parts.join('; ');
    })
    .join('\n');
}
