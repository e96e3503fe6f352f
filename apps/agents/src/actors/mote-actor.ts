import type { MoteView } from '@meridian/contracts';
import { AppError, type ActorClient, type ActorType } from '@meridian/service-kit';
import { actorState } from '../adapters/actor-state.ts';
import { MoteState, moteSummary, newMoteState, observeReading, type MoteReading } from '../domain/mote/index.ts';
import { ActorTypes } from './ids.ts';

const KEY = 'agent';
const EXPIRE = 'expire';

/** The learned model plus what the agent reports about it. */
interface MoteAgentState {
  model: MoteState;
  flagged: number;
  locally_abnormal_only: number;
  /** When the idle-expiry reminder was last pushed back (epoch ms). */
  expiry_armed_at: number;
}

export interface ObservedReading {
  reading: MoteReading;
  /** The global sensor-anomaly model's verdict, when inference answered. */
  global?: boolean;
}

/**
 * A learning agent per mote: folds each reading into the mote's own baseline
 * and threshold (domain/mote), counts what it flags, and forgets the mote
 * when it has been idle for `idleSeconds` (a reminder, pushed back as readings come).
 */
export function moteActor(o: { actors: ActorClient; idleSeconds: number; clock: () => Date }): ActorType {
  const stateOf = (id: string) => actorState({ actors: o.actors, ref: { type: ActorTypes.mote, id } });
  return {
    methods: {
      async observe({ id, body }) {
        const state = stateOf(id);
        const stored = await state.get<MoteAgentState>(KEY);
        let agent: MoteAgentState = stored
          ? { ...stored, model: MoteState.parse(stored.model) }
          : { model: newMoteState(id), flagged: 0, locally_abnormal_only: 0, expiry_armed_at: 0 };
        let flagged = 0;
        for (const item of (body as { readings: ObservedReading[] }).readings) {
          const { state: model, verdict } = observeReading({
            state: agent.model,
            reading: item.reading,
            ...(item.global !== undefined ? { globalVerdict: item.global } : {}),
          });
          agent = {
            ...agent,
            model,
            flagged: agent.flagged + (verdict.anomalous ? 1 : 0),
            locally_abnormal_only: agent.locally_abnormal_only + (verdict.locally_abnormal_only ? 1 : 0),
          };
          if (verdict.anomalous) flagged += 1;
        }
        const now = o.clock().getTime();
        if (now - agent.expiry_armed_at > (o.idleSeconds * 1000) / 2) {
          await o.actors.setReminder({ type: ActorTypes.mote, id, name: EXPIRE, dueTime: `${o.idleSeconds}s` });
          agent.expiry_armed_at = now;
        }
        await state.commit([{ operation: 'upsert', request: { key: KEY, value: agent } }]);
        return { flagged };
      },
      async view({ id }): Promise<MoteView> {
        const agent = await stateOf(id).get<MoteAgentState>(KEY);
        if (!agent) throw new AppError({ code: 'NOT_FOUND', message: `no mote "${id}" has been seen` });
        const summary = moteSummary(MoteState.parse(agent.model));
        return {
          mote_id: String(summary.mote_id),
          readings: summary.readings,
          baseline: summary.baseline,
          threshold: summary.threshold,
          labelled: summary.labelled,
          flagged: agent.flagged,
          locally_abnormal_only: agent.locally_abnormal_only,
          ...(summary.last_seen_at !== null ? { last_seen_at: new Date(summary.last_seen_at).toISOString() } : {}),
        };
      },
    },
    async reminder({ id, name }) {
      if (name === EXPIRE) await stateOf(id).commit([{ operation: 'delete', request: { key: KEY } }]);
    },
  };
}
