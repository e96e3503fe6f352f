import { describe, expect, it } from 'vitest';
import { AppError, type ActorClient } from '@meridian/service-kit';
import { TenantClient } from './tenant-actor.ts';

/** The tenant actor's answers, as the sidecar would relay them. */
function fakeActors(total: { prompt_tokens: number; completion_tokens: number }) {
  const calls: string[] = [];
  const actors = {
    async invoke<T>(o: { method: string; body?: { prompt_tokens: number; completion_tokens: number } }): Promise<T> {
      calls.push(o.method);
      if (o.method === 'charge' && o.body) {
        total.prompt_tokens += o.body.prompt_tokens;
        total.completion_tokens += o.body.completion_tokens;
      }
      return { ...total } as T;
    },
  } as unknown as ActorClient;
  return { actors, calls, total };
}

describe('TenantClient', () => {
  it('when a tenant is below its budget, then the first check asks the actor and later ones use the last charge', async () => {
    const { actors, calls } = fakeActors({ prompt_tokens: 10, completion_tokens: 0 });
    const ledger = new TenantClient({ actors, budgetTokens: 100 });
    await ledger.check('t1');
    await ledger.charge({ tenant: 't1', usage: { prompt_tokens: 20, completion_tokens: 5 } });
    await ledger.check('t1');
    expect(calls).toEqual(['usage', 'charge']);
  });

  it('when a charge reaches the budget, then the next check is refused with 429', async () => {
    const { actors } = fakeActors({ prompt_tokens: 0, completion_tokens: 0 });
    const ledger = new TenantClient({ actors, budgetTokens: 100 });
    await ledger.check('t1');
    await ledger.charge({ tenant: 't1', usage: { prompt_tokens: 90, completion_tokens: 10 } });
    const refused = await ledger.check('t1').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe('TOO_MANY_REQUESTS');
  });

  it('when other sessions spent the budget, then the first charge answers the true total and the next check refuses', async () => {
    const shared = { prompt_tokens: 0, completion_tokens: 0 };
    const mine = new TenantClient({ actors: fakeActors(shared).actors, budgetTokens: 100 });
    await mine.check('t1');
    shared.prompt_tokens = 150;
    await mine.charge({ tenant: 't1', usage: { prompt_tokens: 1, completion_tokens: 1 } });
    await expect(mine.check('t1')).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
  });
});
