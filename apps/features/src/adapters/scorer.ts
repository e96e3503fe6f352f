import { ScoringParameters } from '@meridian/contracts';
import type { InferenceClient } from '@meridian/service-kit';
import type { PendingRow } from '../domain/mote-state.ts';
import type { RowScorer } from '../domain/ports.ts';

/**
 * Scores rows on a model served by the inference app. The rows' sequenced
 * keys and ingestion times travel as parameters, and the prediction log is
 * required: inference answers 200 only once the event that carries them is
 * published, so a scored row always reaches the monitor. A refusal of the
 * inputs is a BAD_REQUEST AppError.
 */
export class Scorer implements RowScorer {
  constructor(private readonly opts: { inference: InferenceClient; model: string; names: string[] }) {}

  get model(): string {
    return this.opts.model;
  }

  async score(rows: PendingRow[], id: string): Promise<number[]> {
    const { names } = this.opts;
    const parameters = ScoringParameters.encode({
      record_keys: rows.map((r) => r.row_key),
      record_times: rows.map((r) => r.received_at),
      prediction_log: 'required',
    });
    const inputs = names.map((name, j) => ({
      name,
      datatype: 'FP32' as const,
      shape: [rows.length],
      data: rows.map((r) => r.values[j]!),
    }));
    const answer = await this.opts.inference.infer({ model: this.opts.model, request: { id, parameters, inputs } });
    return (answer.outputs[0]?.data ?? []).map(Number);
  }
}
