import type { AgentIncident, DriftDetectedEvent, ModelDegradedEvent } from '@meridian/contracts';

export type IncidentEvent =
  | { kind: 'drift'; event: DriftDetectedEvent }
  | { kind: 'degraded'; event: ModelDegradedEvent };

/** The retraining run the training app starts for the event (run-events.ts names it so). */
export const runIdOf = (e: IncidentEvent): string => `${e.kind}-${e.event.id}`;

/** What an incident agent gathered: each source's answer, or why it had none. */
export interface Evidence {
  alert: unknown;
  drift?: unknown;
  quality?: unknown;
  versions?: unknown;
  run?: unknown;
}

const get = (v: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((at, k) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[k] : undefined), v);

function describeRun(run: unknown, runId: string): string {
  const status = get(run, 'status');
  if (typeof status !== 'string') return `The retraining run ${runId} has not been seen yet.`;
  const steps = get(run, 'steps');
  const done = Array.isArray(steps) ? steps.filter((s) => get(s, 'status') === 'completed').length : 0;
  const total = Array.isArray(steps) ? steps.length : 0;
  const decision = get(run, 'decision') ?? get(run, 'gate', 'decision');
  return `The retraining run ${runId} is ${status} (${done} of ${total} steps done${typeof decision === 'string' ? `, gate: ${decision}` : ''}).`;
}

function describeVersions(versions: unknown): string {
  const list = Array.isArray(versions) ? versions : get(versions, 'versions');
  if (!Array.isArray(list)) return '';
  const production = list.find((v) => get(v, 'stage') === 'production');
  return production ? ` Version ${String(get(production, 'version'))} is in production.` : '';
}

/** The inputs a drift report marks as drifted (`features: [{name, drifted}]`). */
function driftedInputs(report: unknown): string[] {
  const features = get(report, 'features');
  if (!Array.isArray(features)) return [];
  return features.filter((f) => get(f, 'drifted') === true).map((f) => String(get(f, 'name')));
}

/** A plain-language account of an incident, from its evidence only (deterministic: the same evidence, the same words). */
export function incidentSummary(o: { incident: IncidentEvent; evidence: Evidence }): string {
  const { kind, event } = o.incident;
  const version = 'version' in event && event.version ? ` version ${event.version}` : '';
  const opening =
    kind === 'drift'
      ? `The inputs of ${event.model}${version} drifted from their training distribution` +
        (typeof get(event, 'window') === 'string' ? ` in window ${String(get(event, 'window'))}` : '') +
        '.'
      : `The quality of ${event.model}${version} against delayed labels fell below its thresholds.`;
  const drifted = driftedInputs(o.evidence.drift);
  const features = drifted.length ? ` Drifted inputs: ${drifted.join(', ')}.` : '';
  const f1 = get(o.evidence.quality, 'f1') ?? get(event.evidence, 'metrics', 'f1');
  const quality = typeof f1 === 'number' ? ` Latest F1 against labels: ${f1.toFixed(3)}.` : '';
  return `${opening}${features}${quality}${describeVersions(o.evidence.versions)} ${describeRun(o.evidence.run, runIdOf(o.incident))}`;
}

export function newIncident(o: { incident: IncidentEvent; evidence: Evidence; at: string }): AgentIncident {
  return {
    id: `${o.incident.kind}-${o.incident.event.id}`,
    model: o.incident.event.model,
    kind: o.incident.kind,
    opened_at: o.at,
    summary: incidentSummary(o),
    evidence: { ...o.evidence, run_id: runIdOf(o.incident) },
  };
}
