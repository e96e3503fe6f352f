import type { MoteStudyResult, StudyFigures } from './mote-study.ts';

/** One markdown table of a study's held-out figures, as pasted into docs/agents-mote-study.md. */
export function moteStudyTable(rows: readonly { name: string; result: MoteStudyResult }[]): string {
  const lines = [
    '| run | model | precision | recall | F1 | TP | FP | FN | held-out readings (anomalies) | locally abnormal only (anomalies) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { name, result } of rows) {
    const models: [string, StudyFigures][] = [
      ['per-mote agent', result.agent],
      [`global sensor-anomaly (threshold ${result.global.threshold.toFixed(3)})`, result.global],
      ['either flags', result.either],
    ];
    for (const [model, f] of models) {
      const { tp, fp, fn } = f.confusion;
      const held = `${result.heldOut.readings} (${result.heldOut.anomalies})`;
      const local =
        f === result.agent ? `${result.locallyAbnormalOnly.flagged} (${result.locallyAbnormalOnly.anomalies})` : '';
      const figures = `${fixed(f.precision)} | ${fixed(f.recall)} | ${fixed(f.f1)} | ${tp} | ${fp} | ${fn}`;
      lines.push(`| ${name} | ${model} | ${figures} | ${held} | ${local} |`);
    }
  }
  return lines.join('\n');
}

/** Per mote: where each model's hits and false alarms fall. */
export function perMoteTable(result: MoteStudyResult): string {
  const lines = [
    '| mote | held-out (anomalies) | agent TP / FP / FN | global TP / FP / FN | learned threshold | labelled normal / anomalous |',
    '|---|---|---|---|---|---|',
  ];
  result.perMote.forEach((m, i) => {
    const s = result.summaries[i]!;
    const c = (f: StudyFigures) => `${f.confusion.tp} / ${f.confusion.fp} / ${f.confusion.fn}`;
    lines.push(
      `| ${m.mote_id} | ${m.heldOut} (${m.anomalies}) | ${c(m.agent)} | ${c(m.global)} | ${s.threshold.toFixed(2)} | ${s.labelled.normal} / ${s.labelled.anomalous} |`,
    );
  });
  return lines.join('\n');
}

function fixed(x: number): string {
  return x.toFixed(3);
}
