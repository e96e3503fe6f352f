import type { AgentIncident } from '@meridian/contracts';
import type { ActorClient, ActorType } from '@meridian/service-kit';
import { actorState } from '../adapters/actor-state.ts';
import { planCall } from '../domain/conversation/tools.ts';
import {
  incidentSummary,
  newIncident,
  runIdOf,
  type Evidence,
  type IncidentEvent,
} from '../domain/incident/incident-report.ts';
import type { ToolRunner } from '../domain/ports.ts';
import { ActorTypes } from './ids.ts';

const INCIDENTS = 'incidents';
const MODELS = 'models';
const INDEX_ID = 'index';
/** Incidents kept per model, newest last. */
const KEEP = 50;
const REFRESH = 'refresh';
/** When, how often, and how many times an open incident re-reads its retraining run. */
const REFRESH_FIRST = '5s';
const REFRESH_EVERY = '20s';
const MAX_REFRESHES = 15;

interface Stored extends AgentIncident {
  refreshes: number;
}

const TERMINAL = new Set(['completed', 'failed', 'rolled_back', 'promoted', 'rejected', 'terminated']);

/**
 * An incident agent per model: on a drift or quality alert it gathers the
 * evidence (drift report, quality, versions, the retraining run the alert
 * started) into an incident with a plain-language summary, then follows the
 * run with a reminder until it ends. Idempotent on the alert's id.
 */
export function incidentActors(o: { actors: ActorClient; tools: ToolRunner; clock: () => Date }): {
  incident: ActorType;
  index: ActorType;
} {
  const stateOf = (type: string, id: string) => actorState({ actors: o.actors, ref: { type, id } });
  const read = async (tool: string, args: Record<string, unknown>) => {
    const planned = planCall(tool, args);
    if (!planned.ok) return { error: planned.error };
    const answer = await o.tools.run(planned.call);
    return answer.status < 300 ? answer.body : { error: `status ${answer.status}`, body: answer.body };
  };
  const readRun = async (runId: string) => {
    const answer = await o.tools.run({ app: 'training', method: 'GET', path: `/v1/training/runs/${runId}` });
    return answer.status < 300 ? answer.body : undefined;
  };
  const incident: ActorType = {
    methods: {
      async open({ id, body }) {
        const event = body as IncidentEvent;
        const state = stateOf(ActorTypes.incident, id);
        const list = (await state.get<Stored[]>(INCIDENTS)) ?? [];
        const incidentId = `${event.kind}-${event.event.id}`;
        if (list.some((i) => i.id === incidentId)) return { created: false };
        const evidence: Evidence = {
          alert: event.event,
          drift: await read('drift', { model: id }),
          quality: await read('quality', { model: id }),
          versions: await read('model_versions', { model: id }),
          run: await readRun(runIdOf(event)),
        };
        const record: Stored = {
          ...newIncident({ incident: event, evidence, at: o.clock().toISOString() }),
          refreshes: 0,
        };
        await state.commit([
          { operation: 'upsert', request: { key: INCIDENTS, value: [...list, record].slice(-KEEP) } },
        ]);
        if (list.length === 0)
          await o.actors.invoke({ type: ActorTypes.incidentIndex, id: INDEX_ID, method: 'add', body: { model: id } });
        await o.actors.setReminder({
          type: ActorTypes.incident,
          id,
          name: REFRESH,
          dueTime: REFRESH_FIRST,
          period: REFRESH_EVERY,
        });
        return { created: true };
      },
      list: async ({ id }) =>
        ((await stateOf(ActorTypes.incident, id).get<Stored[]>(INCIDENTS)) ?? []).map(({ refreshes: _r, ...i }) => i),
    },
    async reminder({ id, name }) {
      if (name !== REFRESH) return;
      const state = stateOf(ActorTypes.incident, id);
      const list = (await state.get<Stored[]>(INCIDENTS)) ?? [];
      let open = 0;
      for (const item of list) {
        const run = item.evidence.run as { status?: string } | undefined;
        if ((run?.status && TERMINAL.has(run.status)) || item.refreshes >= MAX_REFRESHES) continue;
        const fresh = await readRun(String(item.evidence.run_id));
        item.refreshes += 1;
        if (fresh) {
          item.evidence = { ...item.evidence, run: fresh };
          const event = { kind: item.kind, event: item.evidence.alert } as IncidentEvent;
          item.summary = incidentSummary({ incident: event, evidence: item.evidence as unknown as Evidence });
        }
        open += 1;
      }
      await state.commit([{ operation: 'upsert', request: { key: INCIDENTS, value: list } }]);
      if (!open) await o.actors.deleteReminder({ type: ActorTypes.incident, id, name: REFRESH });
    },
  };
  const index: ActorType = {
    methods: {
      async add({ id, body }) {
        const state = stateOf(ActorTypes.incidentIndex, id);
        const models = (await state.get<string[]>(MODELS)) ?? [];
        const model = (body as { model: string }).model;
        if (!models.includes(model))
          await state.commit([{ operation: 'upsert', request: { key: MODELS, value: [...models, model] } }]);
        return null;
      },
      list: async ({ id }) => (await stateOf(ActorTypes.incidentIndex, id).get<string[]>(MODELS)) ?? [],
    },
  };
  return { incident, index };
}

/** Every model's incidents, newest first. */
export async function listIncidents(actors: ActorClient): Promise<AgentIncident[]> {
  const models = await actors.invoke<string[]>({ type: ActorTypes.incidentIndex, id: INDEX_ID, method: 'list' });
  const lists = await Promise.all(
    models.map((model) => actors.invoke<AgentIncident[]>({ type: ActorTypes.incident, id: model, method: 'list' })),
  );
  return lists.flat().sort((a, b) => b.opened_at.localeCompare(a.opened_at));
}
