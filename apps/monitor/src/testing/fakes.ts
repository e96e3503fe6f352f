import type { DaprClient } from '@meridian/service-kit';
import { MemoryStateStore } from '@meridian/testkit';
import type { EventPublisher, ModelCards } from '../domain/ports.ts';
import type { MonitorEnv } from '../env.ts';
import { monitorDomain, type MonitorDeps } from '../server.ts';

/** The state port in memory (ETags, first-write, TTLs, injected conflicts): testkit's fake of the sidecar's state API. */
export { FakeClock, MemoryStateStore } from '@meridian/testkit';

/** A broker that records what was published. */
export class MemoryPublisher implements EventPublisher {
  readonly sent: { topic: string; data: unknown }[] = [];

  async publish(o: { topic: string; data: unknown }): Promise<void> {
    this.sent.push(o);
  }
}

/** A registry of cards by `<model>/<version>`; production versions by model. `down` makes every read fail as an unreachable registry. */
export class MemoryCards implements ModelCards {
  down = false;

  constructor(
    private readonly o: { cards?: Record<string, Record<string, unknown>>; production?: Record<string, string> } = {},
  ) {}

  private versions(model: string): string[] {
    if (this.down) throw new Error('registry answered 503');
    return Object.keys(this.o.cards ?? {})
      .filter((k) => k.startsWith(`${model}/`))
      .map((k) => k.slice(model.length + 1));
  }

  async card(model: string, version: string): Promise<Record<string, unknown> | undefined> {
    return this.versions(model).includes(version) ? this.o.cards![`${model}/${version}`] : undefined;
  }

  async currentVersion(model: string): Promise<string | undefined> {
    return this.o.production?.[model] ?? this.versions(model).at(-1);
  }

  async production(model: string): Promise<string | undefined> {
    return this.o.production?.[model];
  }
}

/** A sidecar that is only ever asked whether it is healthy (createApp's readiness). */
export const healthySidecar = { healthy: async () => true } as unknown as DaprClient;

/**
 * The whole monitor over fakes, ready for createApp: its deps and the fakes, to look into.
 * Pass the `state` of an earlier one to start the monitor again over what it stored.
 */
export function fakeMonitor(o: {
  env: MonitorEnv;
  cards?: MemoryCards;
  clock?: () => number;
  state?: MemoryStateStore;
}) {
  const state = o.state ?? new MemoryStateStore(o.clock ? { now: o.clock } : undefined);
  const publisher = new MemoryPublisher();
  const cards = o.cards ?? new MemoryCards();
  const domain = monitorDomain({
    env: o.env,
    ports: { state, publisher, cards, ...(o.clock ? { clock: o.clock } : {}) },
  });
  const deps: MonitorDeps = { env: o.env, dapr: healthySidecar, ...domain };
  return { deps, domain, state, publisher, cards };
}
