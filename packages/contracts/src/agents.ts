import { z } from 'zod';

/** Agents: conversation sessions, human approvals, per-mote learning agents, incidents. */

export const AgentMessageRequest = z.strictObject({
  content: z.string().trim().min(1, 'a message has content').max(8_000),
  /** The client's id for this message: sent twice, it is answered from the stored turn. */
  message_id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'letters, digits, . _ : - (at most 128)')
    .optional(),
});
export type AgentMessageRequest = z.infer<typeof AgentMessageRequest>;

export const ToolCallStatus = z.enum(['ok', 'error', 'pending_approval', 'refused']);

export const AgentToolCall = z.object({
  name: z.string(),
  arguments: z.record(z.string(), z.unknown()),
  status: ToolCallStatus,
  result: z.unknown().optional(),
  approval_id: z.string().optional(),
});
export type AgentToolCall = z.infer<typeof AgentToolCall>;

export const AgentUsage = z.object({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
});
export type AgentUsage = z.infer<typeof AgentUsage>;

export const AgentTurnAnswer = z.object({
  session_id: z.string(),
  message_id: z.string(),
  reply: z.string(),
  tool_calls: z.array(AgentToolCall),
  usage: AgentUsage,
  /** Which model answered: "dapr:<component>" or "deterministic-planner" (offline, no LLM). */
  model: z.string(),
  context: z.object({
    /** Messages in the context window of the last model call. */
    turns: z.number().int().nonnegative(),
    /** Messages folded into the running summary so far (older turns past the token budget). */
    summarised: z.number().int().nonnegative(),
    /** True when this turn folded messages into the summary. */
    summarised_now: z.boolean(),
    budget_tokens: z.number().int().positive(),
  }),
  /** Model calls this turn made (each tool round is one); capped by the agent's iteration limit. */
  iterations: z.number().int().positive(),
  /** True when the answer was the stored turn of a message id seen before. */
  replayed: z.boolean(),
});
export type AgentTurnAnswer = z.infer<typeof AgentTurnAnswer>;

export const AgentStoredMessage = z.object({
  message_id: z.string(),
  role: z.enum(['user', 'assistant', 'tool', 'system']),
  content: z.string(),
  at: z.string(),
});

export const AgentSessionView = z.object({
  session_id: z.string(),
  summary: z.string().optional(),
  pinned: z.array(z.string()),
  messages: z.array(AgentStoredMessage),
  usage: AgentUsage,
});
export type AgentSessionView = z.infer<typeof AgentSessionView>;

export const ApprovalStatus = z.enum(['pending', 'approved', 'denied', 'expired']);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

export const AgentApproval = z.object({
  id: z.string(),
  session_id: z.string(),
  tool: z.string(),
  arguments: z.record(z.string(), z.unknown()),
  /** sha256 of the canonical JSON of {tool, arguments}: what an admin approves is exactly this call. */
  hash: z.string(),
  status: ApprovalStatus,
  requested_by: z.string(),
  requested_at: z.string(),
  expires_at: z.string(),
  decided_by: z.string().optional(),
  decided_at: z.string().optional(),
  /** The tool's answer once an approved call ran (or why it failed). */
  outcome: z.object({ status: z.number().int(), body: z.unknown() }).optional(),
});
export type AgentApproval = z.infer<typeof AgentApproval>;

export const ApprovalDecision = z.strictObject({
  approve: z.boolean(),
  /** The hash listed with the approval: a decision about any other call is refused (409). */
  hash: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'the 64-hex hash listed with the approval')
    .optional(),
});
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;

export const MoteBaseline = z.record(z.string(), z.object({ mean: z.number(), std: z.number() }));

export const MoteView = z.object({
  mote_id: z.string(),
  readings: z.number().int().nonnegative(),
  baseline: MoteBaseline,
  threshold: z.number(),
  labelled: z.object({ normal: z.number().int(), anomalous: z.number().int() }),
  flagged: z.number().int().nonnegative(),
  locally_abnormal_only: z.number().int().nonnegative(),
  last_seen_at: z.string().optional(),
});
export type MoteView = z.infer<typeof MoteView>;

export const AgentIncident = z.object({
  id: z.string(),
  model: z.string(),
  kind: z.enum(['drift', 'degraded']),
  opened_at: z.string(),
  summary: z.string(),
  evidence: z.record(z.string(), z.unknown()),
});
export type AgentIncident = z.infer<typeof AgentIncident>;
