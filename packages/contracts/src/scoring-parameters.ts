import { z } from 'zod';
import { Parameters } from './oip.ts';

/**
 * Lists that travel in OIP request parameters. Parameters are a flat record of
 * scalars on the wire, so each list is one parameter with its values
 * comma-joined, one per row in row order. These codecs are the one place that
 * joins (`encode`, the caller: the features app) and splits (`decode`, the
 * callee: inference) them.
 */

const Scalar = z.union([z.string(), z.number(), z.boolean()]);
/** A value that can be carried in a comma-joined parameter. */
const Item = z.string().refine((s) => !s.includes(','), 'a value of a comma-joined parameter cannot contain a comma');

const list = <T extends z.ZodType>(item: T, decodeItem: (raw: string) => unknown = (raw) => raw) =>
  z.codec(Scalar, z.array(item), {
    decode: (wire) => String(wire).split(',').map(decodeItem) as z.input<T>[],
    encode: (values) => values.join(','),
  });

/** Each row's sequenced record key (`<entity>@<epoch>#<seq>`). */
const RecordKeys = list(Item);
/** When each row's record reached ingestion (epoch ms). An empty value is not a number. */
const RecordTimes = list(z.number(), (raw) => (raw.trim() === '' ? Number.NaN : Number(raw)));
/** Entity ids, spaces around them ignored, empty ones dropped. */
export const Entities = z.codec(Scalar, z.array(Item), {
  decode: (wire) =>
    String(wire)
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean),
  encode: (values) => values.join(','),
});
/** One protected attribute's value per row, spaces around them ignored. */
const AttributeValues = list(Item, (raw) => raw.trim());

const PROTECTED_PREFIX = 'protected.';

/** The typed form of the streaming-scoring parameters (after decoding). */
const ScoringFields = z.object({
  record_keys: RecordKeys.optional(),
  record_times: RecordTimes.optional(),
  /** A request naming entities gets its inputs from the online feature store. */
  entities: Entities.optional(),
  /** Protected attributes (`protected.<attr>` on the wire) for fairness monitoring: never model inputs. */
  protected: z.record(z.string().min(1), AttributeValues).optional(),
  /** 'required': inference answers only once the prediction event is published. */
  prediction_log: z.literal('required').optional(),
});

const OWN_KEYS = ['record_keys', 'record_times', 'entities', 'prediction_log'] as const;

/**
 * The streaming-scoring parameters of an infer request. `decode` reads them
 * from the request's `parameters` (other parameters are ignored; an issue's
 * path names the parameter); `encode` writes them for a request, to be
 * merged with any other parameters. The wire form is unchanged from the
 * hand-joined strings this replaces.
 */
export const ScoringParameters = z.codec(Parameters, ScoringFields, {
  decode: (wire) => {
    const own = Object.fromEntries(OWN_KEYS.filter((k) => wire[k] !== undefined).map((k) => [k, wire[k]]));
    // Any other prediction_log value has always meant "not required".
    if (own.prediction_log !== 'required') delete own.prediction_log;
    const attributes = Object.entries(wire)
      .filter(([k]) => k.startsWith(PROTECTED_PREFIX))
      .map(([k, v]) => [k.slice(PROTECTED_PREFIX.length), v]);
    return { ...own, ...(attributes.length ? { protected: Object.fromEntries(attributes) } : {}) } as z.input<
      typeof ScoringFields
    >;
  },
  encode: (fields) => {
    const { protected: attributes, ...own } = fields;
    const wire: Parameters = Object.fromEntries(Object.entries(own).filter(([, v]) => v !== undefined)) as Parameters;
    for (const [attr, values] of Object.entries(attributes ?? {})) wire[`${PROTECTED_PREFIX}${attr}`] = values;
    return wire;
  },
});
export type ScoringParameters = z.output<typeof ScoringParameters>;

/**
 * The ids of a response's rows (`prediction_ids` in its parameters): what
 * labels refer to. A request id may contain a comma, so its row ids are not
 * refused here; such ids cannot be split back apart.
 */
export const PredictionIds = z.codec(z.string(), z.array(z.string()), {
  decode: (wire) => wire.split(','),
  encode: (ids) => ids.join(','),
});
