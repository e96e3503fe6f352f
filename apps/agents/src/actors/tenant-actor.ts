import type { AgentUsage } from '@meridian/contracts';
import { AppError, type ActorClient, type ActorType } from '@meridian/service-kit';
import { actorState } from '../adapters/actor-state.ts';
import type { TenantLedger } from '../domain/ports.ts';
import { ActorTypes } from './ids.ts';

const USAGE = 'usage';
const zero: AgentUsage = { prompt_tokens: 0, completion_tokens: 0 };

/** Token accounting per tenant: one actor per tenant, so concurrent sessions add up exactly. */
export function tenantActor(o: { actors: ActorClient; budgetTokens: number }): ActorType {
  const stateOf = (id: string) => actorState({ actors: o.actors, ref: { type: ActorTypes.tenant, id } });
  return {
    methods: {
      async check({ id }) {
        const usage = (await stateOf(id).get<AgentUsage>(USAGE)) ?? zero;
        const spent = usage.prompt_tokens + usage.completion_tokens;
        if (spent >= o.budgetTokens)
          throw new AppError({
            code: 'TOO_MANY_REQUESTS',
            message: `this tenant has used its token budget (${spent} of ${o.budgetTokens})`,
          });
        return usage;
      },
      async charge({ id, body }) {
        const add = body as AgentUsage;
        const state = stateOf(id);
        const usage = (await state.get<AgentUsage>(USAGE)) ?? zero;
        const next = {
          prompt_tokens: usage.prompt_tokens + add.prompt_tokens,
          completion_tokens: usage.completion_tokens + add.completion_tokens,
        };
        await state.commit([{ operation: 'upsert', request: { key: USAGE, value: next } }]);
        return next;
      },
      usage: async ({ id }) => (await stateOf(id).get<AgentUsage>(USAGE)) ?? zero,
    },
  };
}

export class TenantClient implements TenantLedger {
  constructor(private readonly actors: ActorClient) {}

  async check(tenant: string): Promise<void> {
    await this.actors.invoke({ type: ActorTypes.tenant, id: tenant, method: 'check' });
  }

  async charge(o: { tenant: string; usage: AgentUsage }): Promise<void> {
    await this.actors.invoke({ type: ActorTypes.tenant, id: o.tenant, method: 'charge', body: o.usage });
  }
}
