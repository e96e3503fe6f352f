import { ScoringParameters, type InferRequest } from '@meridian/contracts';
import { badRequest, fieldErrors } from '@meridian/service-kit';

/** The streaming-scoring parameters of a request (contracts' ScoringParameters); a malformed one is the caller's 400. */
export function scoringParameters(parameters: InferRequest['parameters']): ScoringParameters {
  const parsed = ScoringParameters.safeDecode(parameters ?? {});
  if (parsed.success) return parsed.data;
  const errors = fieldErrors(parsed.error.issues, 'parameters');
  throw badRequest(
    `request parameters are invalid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
    errors,
  );
}

export interface StreamRecords {
  keys: string[];
  received_at: number[];
}

/** What a prediction event carries per row besides inputs and outputs. */
export interface RowContext {
  protected?: Record<string, string[]>;
  records?: StreamRecords;
}

/** Protected attributes for fairness monitoring, one value per row; they are never model inputs. */
function protectedAttributes(scoring: ScoringParameters, rows: number): Record<string, string[]> | undefined {
  const attributes = scoring.protected;
  if (!attributes) return undefined;
  for (const [attr, values] of Object.entries(attributes)) {
    const key = `parameters.protected.${attr}`;
    if (values.length !== rows)
      throw badRequest(`${key} has ${values.length} values for ${rows} rows`, [
        { path: key, message: `needs one value per row (${rows})` },
      ]);
  }
  return attributes;
}

/** Streaming callers send each row's sequenced record key and ingestion time, carried into the event. */
function streamRecords(scoring: ScoringParameters, rows: number): StreamRecords | undefined {
  const { record_keys: keys, record_times: times = [] } = scoring;
  if (keys === undefined) return undefined;
  if (keys.length !== rows || times.length !== rows) {
    throw badRequest(`parameters.record_keys and record_times need one value per row (${rows})`, [
      { path: 'parameters.record_keys', message: `needs ${rows} keys and ${rows} numeric times` },
    ]);
  }
  return { keys, received_at: times };
}

/** The per-row parameters, checked against the row count: a list of the wrong length is the caller's 400. */
export function rowContext(scoring: ScoringParameters, rows: number): RowContext {
  const attributes = protectedAttributes(scoring, rows);
  const records = streamRecords(scoring, rows);
  return { ...(attributes ? { protected: attributes } : {}), ...(records ? { records } : {}) };
}
