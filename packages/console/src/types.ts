import type { RunStatus } from '@meridian/contracts';

/**
 * Shapes the gateway answers that have no schema in @meridian/contracts yet (each is what
 * the app's route sends today); everything else is imported from the contracts as types.
 */

/** `GET /v2/models/{model}/shadow` (inference's ShadowStats.summary). */
export interface ShadowSummary {
  champion: string;
  candidate: string;
  rows: number;
  agreement: number;
  mean_abs_diff: number;
  max_abs_diff: number;
}

/** The three gaps of a fairness report (packages/ml FairnessGaps). */
export interface FairnessGaps {
  demographic_parity_difference: number | null;
  equal_opportunity_difference: number | null;
  disparate_impact_ratio: number | null;
}

/** `GET /v1/monitor/models/{model}/bias` (the monitor's BiasMonitor.report). */
export interface BiasReport {
  model: string;
  version: string;
  /** Per protected attribute, measured on the held-out set at training time. */
  held_out: Record<string, FairnessGaps & { privileged?: string }>;
  /** Per protected attribute, on live traffic that carried it. */
  live: Record<string, FairnessGaps & { privileged: string; groups: Record<string, { count: number }> }>;
}

/** `GET /v1/ingest/streams`: one entry per stream the ingestion app accepts. */
export interface IngestStream {
  name: string;
  topic: string;
  pii_fields?: string[];
}

/** `POST /v2/repository/models/{model}/load|unload`. */
export interface LoadAnswer {
  name: string;
  loaded?: unknown;
  unloaded?: unknown;
}

/** `GET /v1/training/runs` answers a list; accepted bare or as `{ runs }`. */
export function runsOf(answer: RunStatus[] | { runs?: RunStatus[] } | undefined): RunStatus[] {
  if (!answer) return [];
  return Array.isArray(answer) ? answer : (answer.runs ?? []);
}
