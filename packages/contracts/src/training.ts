import { z } from 'zod';
import { DegradedEvidence } from './monitor.ts';

export const StartRunRequest = z.object({
  model: z.string().min(1),
  /** Trainer parameters; each model declares which it accepts. */
  params: z.record(z.string(), z.unknown()).optional(),
  /** Who or what asked: api, schedule, drift, degraded (quality alert), bootstrap. */
  trigger: z.enum(['api', 'schedule', 'drift', 'degraded', 'bootstrap']).optional(),
});
export type StartRunRequest = z.infer<typeof StartRunRequest>;

export const StepStatus = z.enum(['pending', 'running', 'completed', 'failed', 'skipped']);
export const RunStep = z.object({
  name: z.string(),
  status: StepStatus,
  started_at: z.string().optional(),
  ended_at: z.string().optional(),
  detail: z.string().optional(),
});
export type RunStep = z.infer<typeof RunStep>;

export const RunStatus = z.object({
  id: z.string(),
  model: z.string(),
  trigger: z.string().optional(),
  status: z.enum(['pending', 'running', 'completed', 'failed']),
  steps: z.array(RunStep),
  version: z.string().optional(),
  reason: z.string().optional(),
  /** loss is null for fits without epochs (closed-form or IRLS). */
  progress: z
    .object({ epoch: z.number(), epochs: z.number(), loss: z.number().nullable(), elapsed_ms: z.number() })
    .optional(),
  metrics: z.record(z.string(), z.unknown()).optional(),
  created_at: z.string().optional(),
});
export type RunStatus = z.infer<typeof RunStatus>;

export const DriftDetectedEvent = z.object({
  id: z.string().min(1),
  model: z.string().min(1),
  version: z.string().optional(),
  window: z.string().optional(),
  evidence: z.record(z.string(), z.unknown()).default({}),
  ts: z.string().optional(),
});
export type DriftDetectedEvent = z.infer<typeof DriftDetectedEvent>;

/** One `degraded` alert of the monitor; its id names the retraining run (`degraded-<id>`). */
export const ModelDegradedEvent = z.object({
  id: z.string().min(1),
  model: z.string().min(1),
  version: z.string().min(1),
  window: z.number().int().nonnegative(),
  evidence: DegradedEvidence,
  ts: z.string().datetime(),
});
export type ModelDegradedEvent = z.infer<typeof ModelDegradedEvent>;

/** Runs listed per page by default, and at most (the list reads each run's workflow). */
export const RUN_LIST_DEFAULT = 50;
export const RUN_LIST_MAX = 200;

/** `GET /v1/training/runs?limit=`: how many of the latest runs to list. */
export const RunListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(RUN_LIST_MAX).default(RUN_LIST_DEFAULT),
});
export type RunListQuery = z.output<typeof RunListQuery>;

/** The latest runs, newest first. */
export const RunList = z.object({ runs: z.array(RunStatus) });
export type RunList = z.infer<typeof RunList>;
