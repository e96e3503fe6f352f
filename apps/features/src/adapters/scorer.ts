import { InferResponse, type InferRequest } from '@meridian/contracts';
import { AppError, type DaprClient } from '@meridian/service-kit';
import type { PendingRow } from '../domain/mote-state.ts';

/**
 * Scores rows on a model served by the inference app (service invocation).
 * The rows' sequenced keys and ingestion times travel as parameters, and the
 * prediction log is required: inference answers 200 only once the event
 * that carries them is published, so a scored row always reaches the monitor.
 */
export class Scorer {
  constructor(private readonly opts: { dapr: DaprClient; appId: string; model: string; names: string[] }) {}

  get model(): string {
    return this.opts.model;
  }

  async score(rows: PendingRow[], id: string): Promise<number[]> {
    const { names } = this.opts;
    const body: InferRequest = {
      id,
      parameters: {
        record_keys: rows.map((r) => r.row_key).join(','),
        record_times: rows.map((r) => r.received_at).join(','),
        prediction_log: 'required',
      },
      inputs: names.map((name, j) => ({ name, datatype: 'FP32', shape: [rows.length], data: rows.map((r) => r.values[j]!) })),
    };
    const res = await this.opts.dapr.invoke({ appId: this.opts.appId, method: `v2/models/${encodeURIComponent(this.opts.model)}/infer`, body, timeoutMs: 30_000 });
    if (!res.ok) throw new AppError({ code: res.status === 400 ? 'BAD_REQUEST' : 'BAD_GATEWAY', message: `scoring on ${this.opts.model} answered ${res.status}: ${res.text().slice(0, 300)}` });
    const answer = InferResponse.parse(res.json());
    return (answer.outputs[0]?.data ?? []).map(Number);
  }
}
