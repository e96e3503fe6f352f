import type { Express } from 'express';
import {
  ActorClient,
  DaprClient,
  actorHost,
  bootEnv,
  rootLogger,
  runService,
  type DaprEnv,
  type RunningService,
  type ServiceDefinition,
  type Subscription,
  type BulkSubscription,
  type ActorType,
} from '@meridian/service-kit';
import { DeskClient, deskActor } from './actors/desk-actor.ts';
import { ActorTypes } from './actors/ids.ts';
import { incidentActors } from './actors/incident-actor.ts';
import { moteActor } from './actors/mote-actor.ts';
import { GlobalSensorModel } from './adapters/global-sensor-model.ts';
import { incidentSubscriptions, readingsToMotes } from './routes/agent-subscriptions.ts';
import { sessionActor } from './actors/session-actor.ts';
import { TenantClient, tenantActor } from './actors/tenant-actor.ts';
import { DaprConversation } from './adapters/dapr-conversation.ts';
import { PlatformTools } from './adapters/platform-tools.ts';
import type { LanguageModel } from './domain/conversation/llm.ts';
import { DeterministicPlanner } from './domain/conversation/planner.ts';
import { agentsEnv } from './env.ts';
import { agentRoutes, type AgentRouteDeps } from './routes/agent-routes.ts';

type AgentsEnv = ReturnType<typeof bootEnv<typeof agentsEnv>>;

export interface AgentsDeps extends AgentRouteDeps {
  env: DaprEnv;
  dapr: DaprClient;
  actorTypes: Record<string, ActorType>;
  idleTimeout: string;
  subscriptions?: (Subscription<unknown> | BulkSubscription<unknown>)[];
}

export function createApp(deps: AgentsDeps): ServiceDefinition {
  return {
    name: 'agents',
    env: deps.env,
    dapr: deps.dapr,
    ...(deps.subscriptions ? { subscriptions: deps.subscriptions } : {}),
    routes(app: Express) {
      app.use(actorHost({ types: deps.actorTypes, idleTimeout: deps.idleTimeout }));
      agentRoutes(app, deps);
    },
  };
}

/** The echo component cannot plan; with it (the offline default) the deterministic planner answers. */
async function languageModel(env: AgentsEnv, dapr: DaprClient): Promise<LanguageModel> {
  const components = await dapr.components();
  const llm = components.find((c) => c.name === env.LLM_COMPONENT);
  if (!llm || llm.type === 'conversation.echo') {
    rootLogger().info({ component: llm?.type ?? 'none' }, 'language model: the deterministic planner (offline)');
    return new DeterministicPlanner({ contextTokens: env.LLM_CONTEXT_TOKENS });
  }
  rootLogger().info({ component: llm.type }, 'language model: Dapr Conversation API');
  return new DaprConversation({
    invoke: async ({ path, body }) => {
      const res = await dapr.call({ what: 'converse', method: 'POST', path, body, timeoutMs: env.TURN_TIMEOUT_MS });
      let json: unknown = res.text();
      try {
        json = res.json();
      } catch {
        // The sidecar's error text is kept as it is.
      }
      return { status: res.status, json };
    },
    component: env.LLM_COMPONENT,
    contextTokens: env.LLM_CONTEXT_TOKENS,
    scrubPii: env.LLM_SCRUB_PII,
  });
}

export async function start(env = bootEnv(agentsEnv)): Promise<RunningService> {
  const dapr = DaprClient.fromEnv(env);
  const actors = new ActorClient(dapr);
  const tools = new PlatformTools({ dapr, timeoutMs: env.TOOL_TIMEOUT_MS });
  const desk = new DeskClient(actors);
  const clock = () => new Date();
  return runService(
    async () => {
      let llm: Promise<LanguageModel> | undefined;
      const model = () => {
        llm ??= languageModel(env, dapr).catch((err) => {
          llm = undefined;
          throw err;
        });
        return llm;
      };
      const incidents = incidentActors({ actors, tools, clock });
      const actorTypes: Record<string, ActorType> = {
        [ActorTypes.session]: sessionActor({
          actors,
          model,
          tools,
          approvals: desk,
          ledger: new TenantClient({ actors, budgetTokens: env.TENANT_TOKEN_BUDGET }),
          clock,
          maxIterations: env.MAX_ITERATIONS,
          sessionTokenBudget: env.SESSION_TOKEN_BUDGET,
          ttlSeconds: env.MESSAGE_TTL_SECONDS,
        }),
        [ActorTypes.desk]: deskActor({ actors, tools, clock, timeoutSeconds: env.APPROVAL_TIMEOUT_SECONDS }),
        [ActorTypes.tenant]: tenantActor({ actors }),
        [ActorTypes.mote]: moteActor({ actors, idleSeconds: env.MOTE_IDLE_SECONDS, clock }),
        [ActorTypes.incident]: incidents.incident,
        [ActorTypes.incidentIndex]: incidents.index,
      };
      const subscriptions = [
        readingsToMotes({
          pubsub: env.PUBSUB_NAME,
          actors,
          global: new GlobalSensorModel({ dapr, timeoutMs: env.TOOL_TIMEOUT_MS }),
          bulk: { maxMessagesCount: env.BULK_MAX_MESSAGES, maxAwaitDurationMs: env.BULK_MAX_AWAIT_MS },
        }),
        ...incidentSubscriptions({ pubsub: env.PUBSUB_NAME, actors }),
      ];
      return createApp({
        env,
        dapr,
        actors,
        desk,
        actorTypes,
        subscriptions,
        idleTimeout: env.ACTOR_IDLE_TIMEOUT,
        turnTimeoutMs: env.TURN_TIMEOUT_MS,
      });
    },
    { name: 'agents', env },
  );
}
