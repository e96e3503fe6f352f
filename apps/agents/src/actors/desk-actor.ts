import type { AgentApproval } from '@meridian/contracts';
import type { ActorClient, ActorType } from '@meridian/service-kit';
import { actorState } from '../adapters/actor-state.ts';
import { ApprovalDesk } from '../domain/approvals/approval-desk.ts';
import type { ApprovalParking, ToolRunner } from '../domain/ports.ts';
import { ActorTypes, DESK_ID } from './ids.ts';

const ref = { type: ActorTypes.desk, id: DESK_ID };
const EXPIRE = 'expire:';

/**
 * The approval desk as an actor. Each parked call gets a reminder that fires
 * at its deadline: the scheduler keeps reminders, so a call parked before a
 * crash still auto-denies on time after it.
 */
export function deskActor(o: {
  actors: ActorClient;
  tools: ToolRunner;
  clock: () => Date;
  timeoutSeconds: number;
}): ActorType {
  const desk = new ApprovalDesk({
    state: actorState({ actors: o.actors, ref }),
    tools: o.tools,
    clock: o.clock,
    timeoutSeconds: o.timeoutSeconds,
  });
  return {
    methods: {
      async park({ body }) {
        const parked = await desk.park(body as Parameters<ApprovalDesk['park']>[0]);
        if (parked.created) {
          await o.actors.setReminder({
            ...ref,
            name: `${EXPIRE}${parked.approval.id}`,
            dueTime: `${o.timeoutSeconds}s`,
            data: { id: parked.approval.id },
          });
        }
        return parked.approval;
      },
      list: () => desk.list(),
      async decide({ body }) {
        const decided = await desk.decide(body as Parameters<ApprovalDesk['decide']>[0]);
        await o.actors.deleteReminder({ ...ref, name: `${EXPIRE}${decided.id}` });
        return decided;
      },
      async forgetSession({ body }) {
        return desk.forgetSession((body as { sessionId: string }).sessionId);
      },
    },
    async reminder({ name }) {
      if (name.startsWith(EXPIRE)) await desk.expire(name.slice(EXPIRE.length));
    },
  };
}

/** The desk as the session agent's ApprovalParking port, and the routes' client. */
export class DeskClient implements ApprovalParking {
  constructor(private readonly actors: ActorClient) {}

  park(body: Parameters<ApprovalParking['park']>[0]): Promise<AgentApproval> {
    return this.actors.invoke<AgentApproval>({ ...ref, method: 'park', body });
  }

  list(): Promise<AgentApproval[]> {
    return this.actors.invoke<AgentApproval[]>({ ...ref, method: 'list' });
  }

  decide(body: { id: string; approve: boolean; hash?: string | undefined; by: string }): Promise<AgentApproval> {
    return this.actors.invoke<AgentApproval>({ ...ref, method: 'decide', body });
  }

  forgetSession(sessionId: string): Promise<number> {
    return this.actors.invoke<number>({ ...ref, method: 'forgetSession', body: { sessionId } });
  }
}
