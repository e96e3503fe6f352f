import { AgentMessageRequest, Role, type AgentSessionView, type AgentTurnAnswer } from '@meridian/contracts';
import { AppError, parseOrThrow, type ActorClient, type ActorType } from '@meridian/service-kit';
import { z } from 'zod';
import { actorState } from '../adapters/actor-state.ts';
import { SessionMemory } from '../domain/conversation/session-memory.ts';
import { takeTurn, type TurnDeps } from '../domain/conversation/turn.ts';
import { ActorTypes } from './ids.ts';

const TurnBody = AgentMessageRequest.extend({
  session_id: z.string(),
  tenant: z.string(),
  caller: z.object({ subject: z.string(), role: Role }),
});
export type TurnBody = z.infer<typeof TurnBody>;

/**
 * A conversation session as an actor (id `<tenant>.<session>`): the sidecar
 * runs one turn at a time per session, on whichever replica placement chose;
 * the memory lives in the actor's state, so the session continues anywhere.
 */
export function sessionActor(o: Omit<TurnDeps, 'memory'> & { actors: ActorClient; ttlSeconds: number }): ActorType {
  // Per activation: dropped when Dapr deactivates the actor (idle, or moved to another replica).
  const memories = new Map<string, SessionMemory>();
  const memoryOf = (id: string) => {
    let memory = memories.get(id);
    if (!memory) {
      memory = new SessionMemory({
        state: actorState({ actors: o.actors, ref: { type: ActorTypes.session, id } }),
        ttlSeconds: o.ttlSeconds,
      });
      memories.set(id, memory);
    }
    return memory;
  };
  return {
    methods: {
      async message({ id, body }): Promise<AgentTurnAnswer> {
        const turn = parseOrThrow(TurnBody, body, 'agent turn');
        return takeTurn(
          { ...o, memory: memoryOf(id) },
          {
            sessionId: turn.session_id,
            sessionKey: id,
            tenant: turn.tenant,
            caller: turn.caller,
            content: turn.content,
            messageId: turn.message_id,
          },
        );
      },
      async view({ id, body }): Promise<AgentSessionView> {
        const sessionId = String((body as { session_id?: unknown }).session_id ?? '');
        const view = await memoryOf(id).view(sessionId);
        if (!view) throw new AppError({ code: 'NOT_FOUND', message: `no session "${sessionId}"` });
        return view;
      },
      async purge({ id }) {
        const existed = await memoryOf(id).purge();
        memories.delete(id);
        return { existed };
      },
    },
    async deactivate(id) {
      memories.delete(id);
    },
  };
}
