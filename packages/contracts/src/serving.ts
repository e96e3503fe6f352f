import { z } from 'zod';

/** Dynamic batching: requests arriving together run as one batch. */
export const BatchingPolicy = z.object({
  enabled: z.boolean().default(true),
  /** Most rows in one batch (a single larger request still runs alone). */
  max_batch_size: z.number().int().min(1).max(65_536).default(128),
  /** How long the first request of a batch may wait for company; 0 = only what is already queued. */
  max_queue_delay_ms: z.number().min(0).max(1000).default(0),
  /** Rows queued or running before new requests get 429 (backpressure). */
  max_queue_size: z.number().int().min(1).default(4096),
});
export type BatchingPolicy = z.infer<typeof BatchingPolicy>;

const Version = z.string().regex(/^\d+$/, 'a version is a non-negative integer string');

export const TrafficPolicy = z.object({
  /** A share of unpinned traffic goes to a candidate version. */
  canary: z.object({ version: Version, percent: z.number().min(0).max(100) }).optional(),
  /** A/B split by weight, sticky per key (a request header, or the `sticky_key` request parameter). */
  ab: z
    .object({ versions: z.record(Version, z.number().positive()), sticky_header: z.string().default('x-sticky-key') })
    .optional(),
  /** Mirror every request to a candidate; answer from the champion; record both. */
  shadow: z.object({ version: Version }).optional(),
});
export type TrafficPolicy = z.infer<typeof TrafficPolicy>;

export const ModelPolicy = z.object({
  /** The champion; the highest loaded version when unset. */
  default_version: Version.optional(),
  batching: BatchingPolicy.prefault({}),
  traffic: TrafficPolicy.prefault({}),
  /** Per-request time budget; past it the fallback answers (or 504). */
  deadline_ms: z.number().int().positive().max(600_000).default(2000),
  cache: z
    .object({ enabled: z.boolean().default(false), ttl_seconds: z.number().int().positive().default(300) })
    .prefault({}),
  /** Used when the primary throws or misses its deadline: another version, or a fixed answer. */
  fallback: z
    .object({
      version: Version.optional(),
      rule: z.object({ outputs: z.record(z.string(), z.number()) }).optional(),
    })
    .refine((f) => f.version !== undefined || f.rule !== undefined, 'fallback needs a version or a rule')
    .optional(),
  prediction_log: z
    .object({
      sample_rate: z.number().min(0).max(1).default(1),
      /** Inputs whose values never leave the service (masked in the prediction log). */
      pii_inputs: z.array(z.string()).default([]),
    })
    .prefault({}),
});
export type ModelPolicy = z.infer<typeof ModelPolicy>;

export const ExplainResponse = z.object({
  model_name: z.string(),
  model_version: z.string(),
  baseline: z.record(z.string(), z.unknown()),
  attributions: z.array(
    z.object({
      output: z.number(),
      features: z.array(z.object({ name: z.string(), value: z.number(), attribution: z.number() })),
    }),
  ),
});
export type ExplainResponse = z.infer<typeof ExplainResponse>;

export const RepositoryIndexEntry = z.object({
  name: z.string(),
  version: z.string(),
  state: z.enum(['READY', 'UNAVAILABLE']),
  reason: z.string().optional(),
});
export type RepositoryIndexEntry = z.infer<typeof RepositoryIndexEntry>;
