/** Running comparison of a shadow candidate against the champion, per model. */
export interface ShadowSummary {
  champion: string;
  candidate: string;
  rows: number;
  /** Share of rows where both sides reach the same decision at the model's threshold (0.5 without one). */
  agreement: number;
  mean_abs_diff: number;
  max_abs_diff: number;
}

export class ShadowStats {
  private readonly byModel = new Map<
    string,
    { champion: string; candidate: string; rows: number; agree: number; sumDiff: number; maxDiff: number }
  >();

  record(o: {
    model: string;
    champion: string;
    candidate: string;
    championScores: number[];
    candidateScores: number[];
    threshold: number;
  }): void {
    const key = `${o.model}`;
    let s = this.byModel.get(key);
    if (!s || s.champion !== o.champion || s.candidate !== o.candidate) {
      s = { champion: o.champion, candidate: o.candidate, rows: 0, agree: 0, sumDiff: 0, maxDiff: 0 };
      this.byModel.set(key, s);
    }
    o.championScores.forEach((a, i) => {
      const b = o.candidateScores[i]!;
      const diff = Math.abs(a - b);
      s.rows += 1;
      s.sumDiff += diff;
      s.maxDiff = Math.max(s.maxDiff, diff);
      if (a >= o.threshold === b >= o.threshold) s.agree += 1;
    });
  }

  summary(model: string): ShadowSummary | undefined {
    const s = this.byModel.get(model);
    if (!s) return undefined;
    return {
      champion: s.champion,
      candidate: s.candidate,
      rows: s.rows,
      agreement: s.rows ? s.agree / s.rows : 1,
      mean_abs_diff: s.rows ? s.sumDiff / s.rows : 0,
      max_abs_diff: s.maxDiff,
    };
  }
}
