import type { AgentUsage } from '@meridian/contracts';
import { AppError, type ActorClient, type ActorType } from '@meridian/service-kit';
import { actorState } from '../adapters/actor-state.ts';
import type { TenantLedger } from '../domain/ports.ts';
import { ActorTypes } from './ids.ts';

const USAGE = 'usage';
const zero: AgentUsage = { prompt_tokens: 0, completion_tokens: 0 };

/** Token accounting per tenant: one actor per tenant, so concurrent sessions add up exactly. */
export function tenantActor(o: { actors: ActorClient }): ActorType {
  const stateOf = (id: string) => actorState({ actors: o.actors, ref: { type: ActorTypes.tenant, id } });
  return {
    methods: {
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

/**
 * The ledger as the session agent sees it. Each charge answers the tenant's new total, which is
 * kept here, so a turn asks the tenant actor before it only the first time (one sidecar round
 * trip less per turn). Concurrent sessions of one tenant can overshoot its budget by at most
 * one turn each: the next charge answers the true total.
 */
export class TenantClient implements TenantLedger {
  private readonly spent = new Map<string, number>();

  constructor(private readonly o: { actors: ActorClient; budgetTokens: number }) {}

  async check(tenant: string): Promise<void> {
    let spent = this.spent.get(tenant);
    if (spent === undefined) {
      const usage = await this.o.actors.invoke<AgentUsage>({ type: ActorTypes.tenant, id: tenant, method: 'usage' });
      spent = usage.prompt_tokens + usage.completion_tokens;
      this.spent.set(tenant, spent);
    }
    if (spent >= this.o.budgetTokens)
      throw new AppError({
        code: 'TOO_MANY_REQUESTS',
        message: `this tenant has used its token budget (${spent} of ${this.o.budgetTokens})`,
      });
  }

  async charge(o: { tenant: string; usage: AgentUsage }): Promise<void> {
    const total = await this.o.actors.invoke<AgentUsage>({
      type: ActorTypes.tenant,
      id: o.tenant,
      method: 'charge',
      body: o.usage,
    });
    this.spent.set(o.tenant, total.prompt_tokens + total.completion_tokens);
  }
}
