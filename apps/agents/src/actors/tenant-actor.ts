import type { AgentUsage } from '@meridian/contracts';
import { AppError, type ActorClient, type ActorType } from '@meridian/service-kit';
import { actorState } from '../adapters/actor-state.ts';
import type { TenantLedger } from '../domain/ports.ts';
import { ActorTypes } from './ids.ts';

const USAGE = 'usage';
const zero: AgentUsage = { prompt_tokens: 0, completion_tokens: 0 };

/**
 * Token accounting per tenant: one actor per tenant, so concurrent sessions add up exactly.
 * The total is kept for the activation (Dapr runs one activation per id across replicas, and
 * drops it on deactivation), so a charge is one state write.
 */
export function tenantActor(o: { actors: ActorClient }): ActorType {
  const stateOf = (id: string) => actorState({ actors: o.actors, ref: { type: ActorTypes.tenant, id } });
  const active = new Map<string, AgentUsage>();
  const usageOf = async (id: string) => {
    const known = active.get(id);
    if (known) return known;
    const usage = (await stateOf(id).get<AgentUsage>(USAGE)) ?? zero;
    active.set(id, usage);
    return usage;
  };
  return {
    methods: {
      async charge({ id, body }) {
        const add = body as AgentUsage;
        const usage = await usageOf(id);
        const next = {
          prompt_tokens: usage.prompt_tokens + add.prompt_tokens,
          completion_tokens: usage.completion_tokens + add.completion_tokens,
        };
        try {
          await stateOf(id).commit([{ operation: 'upsert', request: { key: USAGE, value: next } }]);
        } catch (err) {
          active.delete(id);
          throw err;
        }
        active.set(id, next);
        return next;
      },
      usage: ({ id }) => usageOf(id),
    },
    async deactivate(id) {
      active.delete(id);
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
