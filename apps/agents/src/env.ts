import { z } from 'zod';
import { Components } from '@meridian/contracts';
import { daprPreset } from '@meridian/service-kit';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const agentsEnv = {
  ...daprPreset,
  APP_ID: daprPreset.APP_ID.default('agents'),
  PUBSUB_NAME: z.string().default(Components.pubsub),
  STATE_STORE: z.string().default(Components.state),
  /** The Conversation component (components/conversation/<choice>/llm.yaml); `conversation.echo` means the deterministic planner. */
  LLM_COMPONENT: z.string().default('llm'),
  /**
   * Has daprd mask PII in the model's reply. Off by default: Dapr 1.18's scrubber also masks
   * plain numbers (an F1 of 0.93 becomes <PHONE_NUMBER>), and the agent's answers are figures.
   */
  LLM_SCRUB_PII: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** Tokens one model call may see; past it older turns are folded into the summary. */
  LLM_CONTEXT_TOKENS: positiveInt(8192),
  /** Model calls per turn (each tool round is one): a model that asks for tools forever stops here. */
  MAX_ITERATIONS: positiveInt(4),
  /** How long each message of a session is kept (its key's TTL). */
  MESSAGE_TTL_SECONDS: positiveInt(30 * 24 * 3600),
  SESSION_TOKEN_BUDGET: positiveInt(2_000_000),
  TENANT_TOKEN_BUDGET: positiveInt(50_000_000),
  /** A parked call nobody decided in this time is denied (status expired). */
  APPROVAL_TIMEOUT_SECONDS: positiveInt(3600),
  TOOL_TIMEOUT_MS: positiveInt(10_000),
  TURN_TIMEOUT_MS: positiveInt(120_000),
  /** Dapr deactivates an actor idle this long (its state stays). */
  ACTOR_IDLE_TIMEOUT: z.string().default('15m'),
  /** A mote agent not fed for this long deletes its learned state (a reminder). */
  MOTE_IDLE_SECONDS: positiveInt(7 * 24 * 3600),
  /**
   * Events of sensor readings (each up to 500) per bulk delivery to the mote agents, and how long a delivery waits
   * to fill: 50 keep a delivery to 25,000 readings, inside the sidecar's inbound pub/sub timeout (15 s).
   */
  BULK_MAX_MESSAGES: positiveInt(50),
  BULK_MAX_AWAIT_MS: positiveInt(200),
};
