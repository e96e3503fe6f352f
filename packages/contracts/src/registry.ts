import { z } from 'zod';
import { SensorWindowSpecBody } from './features.ts';

/** The model registry: the contract between training (which registers) and serving (which loads). */

/** Who asked, as the gateway learnt it from the caller's token; 'unknown' when absent. */
export const SUBJECT_HEADER = 'x-meridian-subject';
/** Sent with every artifact download: the sha256 the bytes were verified against. */
export const ARTIFACT_SHA256_HEADER = 'x-artifact-sha256';

/** Names become state keys and storage paths, so no separators or dot-segments. */
export const RegistryName = z
  .string()
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-", starting with a letter or digit')
  .refine((s) => !s.includes('..'), 'must not contain ".."');
/** Versions are assigned by the registry: 1, 2, 3, ... */
export const RegistryVersion = z.string().regex(/^[1-9][0-9]*$/, 'a version is a positive integer');

export const Stage = z.enum(['candidate', 'staging', 'production', 'archived']);
export type Stage = z.infer<typeof Stage>;

export const ModelTensorSpec = z.object({
  name: z.string().min(1),
  datatype: z.enum(['FP32', 'INT64', 'BYTES']),
  shape: z.array(z.number().int().min(-1)),
});

/**
 * The training distribution of one input or output (NumericReferenceSummary in @meridian/ml):
 * quantile bins for PSI and a sorted sample for Kolmogorov–Smirnov.
 */
export const NumericReference = z
  .looseObject({
    kind: z.literal('numeric'),
    count: z.number().int().positive(),
    edges: z.array(z.number()),
    proportions: z.array(z.number().min(0).max(1)),
    sample: z.array(z.number()).min(1),
    /** 'full-window': describes only rows whose sensor window was full; absent: every row. */
    population: z.enum(['full-window']).optional(),
  })
  .refine((r) => r.proportions.length === r.edges.length + 1, {
    path: ['proportions'],
    message: 'needs one share per bin (edges + 1)',
  });

/** What drift monitoring leaves out of a version, and why (DriftMonitoring in @meridian/ml). */
export const DriftMonitoring = z.discriminatedUnion('enabled', [
  z.strictObject({
    enabled: z.literal(false),
    reason: z.string().trim().min(1, 'say why this version is not monitored for drift'),
  }),
  z.strictObject({
    enabled: z.literal(true),
    unmonitored: z.record(z.string(), z.string().trim().min(1, 'say why this tensor is not monitored')),
  }),
]);
export type DriftMonitoring = z.infer<typeof DriftMonitoring>;

/**
 * The model card (ModelMetadata in @meridian/ml, model.json in a model
 * repository). Unknown fields are kept: the card belongs to training and
 * serving, the registry only checks what it relies on.
 */
export const ModelCard = z.looseObject({
  /** When given, must equal the model name in the path. */
  name: z.string().optional(),
  /** Ignored on registration: the registry assigns the version and writes it here. */
  version: z.string().optional(),
  platform: z.enum(['onnx', 'tfjs']),
  inputs: z.array(ModelTensorSpec).min(1),
  outputs: z.array(ModelTensorSpec).min(1),
  threshold: z.number().optional(),
  /** Held-out metrics; NaN arrives as null in JSON. */
  metrics: z.record(z.string(), z.unknown()).optional(),
  dataset: z
    .looseObject({
      name: z.string().min(1),
      hash: z.string().min(1),
      rows: z.number().int().nonnegative().optional(),
      test_rows: z.number().int().nonnegative().optional(),
    })
    .optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  /** How raw inputs become model features, for serving to reproduce. */
  transform: z.record(z.string(), z.unknown()).optional(),
  /** Runtime the artifact was produced for and checked against (e.g. onnxruntime 1.23). */
  runtime: z.record(z.string(), z.unknown()).optional(),
  /** Training distributions per input and output: what the monitor measures drift against. */
  reference: z.record(z.string(), NumericReference).optional(),
  drift_monitoring: DriftMonitoring.optional(),
  /** The inputs are a sensor window over an entity's readings (served from the online feature store). */
  online_features: SensorWindowSpecBody.optional(),
  created_at: z.string().min(1),
});
export type ModelCard = z.infer<typeof ModelCard>;

/**
 * Why a card cannot be registered as it is for drift monitoring: every input and output needs
 * its training distribution in `reference` or a reason in `drift_monitoring.unmonitored`, unless
 * `drift_monitoring` turns the version off with a reason. Paths are inside the card.
 */
export function driftReferenceIssues(card: ModelCard): { path: (string | number)[]; message: string }[] {
  const monitoring = card.drift_monitoring;
  if (monitoring?.enabled === false) return [];
  const reference = card.reference;
  if (!reference) {
    return [
      {
        path: ['reference'],
        message:
          'required: the training distribution of every input and output (or drift_monitoring {"enabled": false, "reason"})',
      },
    ];
  }
  const unmonitored = monitoring?.unmonitored ?? {};
  const tensors = [...card.inputs, ...card.outputs].map((t) => t.name);
  return [
    ...tensors
      .filter((n) => !reference[n] && !unmonitored[n])
      .map((n) => ({
        path: ['reference', n],
        message: `${n} needs its training distribution, or a reason in drift_monitoring.unmonitored`,
      })),
    ...Object.keys(reference)
      .filter((n) => !tensors.includes(n))
      .map((n) => ({ path: ['reference', n], message: `${n} is not an input or output of the model` })),
    ...Object.keys(unmonitored)
      .filter((n) => !tensors.includes(n))
      .map((n) => ({
        path: ['drift_monitoring', 'unmonitored', n],
        message: `${n} is not an input or output of the model`,
      })),
    ...Object.entries(reference)
      .filter(([, r]) => r.population === 'full-window' && !card.online_features)
      .map(([n]) => ({
        path: ['reference', n, 'population'],
        message: 'full-window needs online_features: the window it is counted over',
      })),
  ];
}

export const RegisterVersionRequest = z.object({
  /** The artifact bytes, base64 (standard alphabet, padded). */
  artifact: z.base64().min(1, 'the artifact is empty'),
  artifact_file: RegistryName.default('model.onnx'),
  /** A new version must come with what its drift is measured against (driftReferenceIssues). */
  metadata: ModelCard.superRefine((card, ctx) => {
    for (const issue of driftReferenceIssues(card)) ctx.addIssue({ code: 'custom', ...issue });
  }),
  code_version: z.string().min(1).max(200).optional(),
});
export type RegisterVersionRequest = z.input<typeof RegisterVersionRequest>;

/** One line of a version's audit trail. */
export const StageChange = z.object({
  at: z.string(),
  by: z.string(),
  /** null: the version was just registered. */
  from: Stage.nullable(),
  to: Stage,
  reason: z.string(),
  /** registered; moved (asked for); demoted (replaced as production); rolled-back (either side of a rollback). */
  action: z.enum(['registered', 'moved', 'demoted', 'rolled-back']),
  /** For a demotion: the version that took over production. */
  replaced_by: z.string().optional(),
});
export type StageChange = z.infer<typeof StageChange>;

export const ArtifactInfo = z.object({
  file: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  /** Path inside the `artifacts` binding: <name>/<version>/<file>. */
  path: z.string(),
});
export type ArtifactInfo = z.infer<typeof ArtifactInfo>;

export const ModelVersionSummary = z.object({
  name: z.string(),
  version: RegistryVersion,
  stage: Stage,
  artifact: ArtifactInfo,
  platform: z.string(),
  metrics: z.record(z.string(), z.unknown()).optional(),
  dataset_hash: z.string().optional(),
  code_version: z.string().optional(),
  registered_by: z.string(),
  /** When the registry accepted it (the card's created_at is when it was trained). */
  created_at: z.string(),
  updated_at: z.string(),
  metadata: ModelCard,
});
export type ModelVersionSummary = z.infer<typeof ModelVersionSummary>;

export const ModelVersionRecord = ModelVersionSummary.extend({
  history: z.array(StageChange).min(1),
});
export type ModelVersionRecord = z.infer<typeof ModelVersionRecord>;

export const ModelSummary = z.object({
  name: z.string(),
  production_version: z.string().optional(),
  latest_version: z.string().optional(),
  versions: z.number().int().nonnegative(),
});
export type ModelSummary = z.infer<typeof ModelSummary>;

const Reason = z.string().trim().min(1, 'a reason is required').max(1000);

/**
 * Compare-and-set: the production version the caller decided on (null: none).
 * When it is no longer current the request is refused with 409, so of two
 * callers who saw the same production version only the first one wins,
 * however their requests interleave.
 */
const ExpectedProduction = RegistryVersion.nullable();

export const StageChangeRequest = z.object({
  stage: Stage,
  reason: Reason,
  expected_production_version: ExpectedProduction.optional(),
});
export type StageChangeRequest = z.infer<typeof StageChangeRequest>;

export const RollbackRequest = z.object({ reason: Reason, expected_production_version: RegistryVersion.optional() });
export type RollbackRequest = z.infer<typeof RollbackRequest>;

export const RollbackResponse = z.object({
  production: ModelVersionRecord,
  archived: ModelVersionRecord,
});
export type RollbackResponse = z.infer<typeof RollbackResponse>;

export const ModelLifecycleEvent = z.object({
  /** Unique per event, so consumers can drop redeliveries. */
  id: z.string().min(1),
  model: z.string().min(1),
  version: RegistryVersion,
  from: Stage.nullable(),
  to: Stage,
  action: StageChange.shape.action,
  /** The model's production version after this change, if it has one. */
  production_version: z.string().optional(),
  at: z.string(),
  by: z.string(),
  reason: z.string(),
});
export type ModelLifecycleEvent = z.infer<typeof ModelLifecycleEvent>;
