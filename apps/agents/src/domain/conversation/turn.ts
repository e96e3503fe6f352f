import type { AgentToolCall, AgentTurnAnswer } from '@meridian/contracts';
import { AppError } from '@meridian/service-kit';
import type { ApprovalParking, Caller, TenantLedger, ToolRunner } from '../ports.ts';
import { contextPreamble, fitContextWindow } from './context-window.ts';
import type { ChatMessage, LanguageModel, ToolCall, ToolSpec } from './llm.ts';
import type { LoadedSession, SessionMemory, StoredMessage } from './session-memory.ts';
import { countToolTokens } from './tokens.ts';
import { PLATFORM_TOOL_SPECS, planCall, toolByName } from './tools.ts';

export const SYSTEM_PROMPT =
  "You are Meridian's operations agent. Answer from the platform's own tools; never invent figures. " +
  'Tools that change things are parked for a human to approve.';

/** Remembered for the whole session (the pinned layer), whatever the window holds. */
export const PIN_FACT: ToolSpec = {
  name: 'pin_fact',
  description: 'Remember a fact the user states, for the rest of the session',
  parameters: { type: 'object', properties: { fact: { type: 'string' } }, required: ['fact'] },
  mutating: false,
};

/** What the model may call: the platform's tools and the memory tool. */
const TOOLS: ToolSpec[] = [...PLATFORM_TOOL_SPECS, PIN_FACT];

export interface TurnDeps {
  memory: SessionMemory;
  /** Resolved on first use: the sidecar (and its component list) comes up after the app. */
  model: () => Promise<LanguageModel>;
  tools: ToolRunner;
  approvals: ApprovalParking;
  ledger: TenantLedger;
  clock: () => Date;
  maxIterations: number;
  sessionTokenBudget: number;
}

/** What the model is shown of a tool result: enough to answer from, never a whole report. */
const RESULT_CHARS = 2_000;
const MIN_KEEP = 2;

const preambleOf = (s: LoadedSession): ChatMessage[] =>
  contextPreamble({ system: SYSTEM_PROMPT, pinned: s.pinned, ...(s.summary ? { summary: s.summary } : {}) });

/**
 * One user message through the agent: idempotent by the client's message id,
 * within the session's and the tenant's token budgets, the context window
 * kept under the model's budget by folding older turns into the summary,
 * tools run (or parked for approval) round by round up to the iteration cap,
 * and everything the turn wrote committed at once.
 */
export async function takeTurn(
  deps: TurnDeps,
  o: {
    sessionId: string;
    /** The session's id across tenants (its actor id): approvals are filed under it, so erasure finds them. */
    sessionKey: string;
    tenant: string;
    caller: Caller;
    content: string;
    messageId?: string | undefined;
  },
): Promise<AgentTurnAnswer> {
  if (o.messageId) {
    const stored = await deps.memory.answerOf(o.messageId);
    if (stored) return { ...stored, replayed: true };
  }
  const llm = await deps.model();
  const at = deps.clock().toISOString();
  const session = await deps.memory.load({ sessionId: o.sessionId, tenant: o.tenant, at });
  const spent = session.meta.usage.prompt_tokens + session.meta.usage.completion_tokens;
  if (spent >= deps.sessionTokenBudget)
    throw new AppError({
      code: 'TOO_MANY_REQUESTS',
      message: `session ${o.sessionId} has used its token budget (${spent} of ${deps.sessionTokenBudget})`,
    });
  await deps.ledger.check(o.tenant);

  const meta = { ...session.meta, usage: { ...session.meta.usage } };
  const work: LoadedSession = { ...session, meta, window: [...session.window], pinned: [...session.pinned] };
  const added: StoredMessage[] = [];
  const append = (m: ChatMessage, id?: string) => {
    meta.seq += 1;
    const stored: StoredMessage = { ...m, seq: meta.seq, message_id: id ?? `m-${meta.seq}`, at };
    added.push(stored);
    work.window.push(stored);
  };
  append({ role: 'user', content: o.content }, o.messageId);

  const tools = TOOLS;
  const budget = Math.max(64, llm.contextTokens - countToolTokens(tools));
  const usage = { prompt_tokens: 0, completion_tokens: 0 };
  const calls: AgentToolCall[] = [];
  let summarisedNow = false;
  let pinnedChanged = false;
  let reply = '';
  let iterations = 0;
  let turns = 0;
  while (iterations < deps.maxIterations) {
    const fit = fitContextWindow({
      system: SYSTEM_PROMPT,
      budget,
      pinned: work.pinned,
      messages: work.window,
      keepLatest: MIN_KEEP,
      ...(work.summary ? { summary: work.summary } : {}),
    });
    if (fit.fold.length) {
      const folded = await llm.summarise({
        messages: fit.fold,
        ...(work.summary ? { previous: work.summary } : {}),
      });
      usage.prompt_tokens += folded.usage.promptTokens;
      usage.completion_tokens += folded.usage.completionTokens;
      work.summary = folded.summary;
      meta.summarised_upto = (fit.fold.at(-1) as StoredMessage).seq;
      work.window = fit.keep as StoredMessage[];
      summarisedNow = true;
    }
    iterations += 1;
    turns = work.window.length;
    const answer = await llm.complete({ messages: [...preambleOf(work), ...work.window], tools });
    usage.prompt_tokens += answer.usage.promptTokens;
    usage.completion_tokens += answer.usage.completionTokens;
    if (!answer.toolCalls.length) {
      reply = answer.content;
      break;
    }
    append({ role: 'assistant', content: answer.content, toolCalls: answer.toolCalls });
    for (const call of answer.toolCalls) {
      const record = await runTool(deps, { call, sessionId: o.sessionKey, caller: o.caller, pinned: work.pinned });
      if (call.name === PIN_FACT.name && record.status === 'ok') pinnedChanged = true;
      calls.push(record);
      append({
        role: 'tool',
        toolCallId: call.id,
        name: call.name,
        content: JSON.stringify({ status: record.status, result: record.result ?? null }).slice(0, RESULT_CHARS),
      });
    }
  }
  if (!reply)
    reply = `I stopped after ${deps.maxIterations} model calls without a final answer; the tool results so far are listed.`;
  append({ role: 'assistant', content: reply });

  meta.usage.prompt_tokens += usage.prompt_tokens;
  meta.usage.completion_tokens += usage.completion_tokens;
  meta.turns += 1;
  const result: AgentTurnAnswer = {
    session_id: o.sessionId,
    message_id: added[0]!.message_id,
    reply,
    tool_calls: calls,
    usage,
    model: llm.name,
    context: {
      turns,
      summarised: meta.summarised_upto,
      summarised_now: summarisedNow,
      budget_tokens: budget,
    },
    iterations,
    replayed: false,
  };
  await deps.memory.commit({
    session: work,
    added,
    answer: result,
    clientMessageId: o.messageId,
    summaryChanged: summarisedNow,
    pinnedChanged,
  });
  await deps.ledger.charge({ tenant: o.tenant, usage });
  return result;
}

async function runTool(
  deps: TurnDeps,
  o: { call: ToolCall; sessionId: string; caller: Caller; pinned: string[] },
): Promise<AgentToolCall> {
  const base = { name: o.call.name, arguments: o.call.arguments };
  if (o.call.invalidArguments !== undefined)
    return {
      ...base,
      status: 'error',
      result: `arguments are not a JSON object: ${o.call.invalidArguments.slice(0, 200)}`,
    };
  if (o.call.name === PIN_FACT.name) {
    const fact = typeof o.call.arguments.fact === 'string' ? o.call.arguments.fact.trim().slice(0, 500) : '';
    if (!fact) return { ...base, status: 'error', result: 'pin_fact needs a non-empty "fact"' };
    if (!o.pinned.includes(fact)) o.pinned.push(fact);
    return { ...base, status: 'ok', result: { pinned: fact } };
  }
  const tool = toolByName(o.call.name);
  if (!tool) return { ...base, status: 'error', result: `no tool "${o.call.name}"` };
  const planned = planCall(o.call.name, o.call.arguments);
  if (!planned.ok) return { ...base, status: 'error', result: planned.error };
  if (tool.mutating) {
    const approval = await deps.approvals.park({
      sessionId: o.sessionId,
      tool: o.call.name,
      arguments: o.call.arguments,
      requestedBy: o.caller.subject,
    });
    return {
      ...base,
      status: 'pending_approval',
      approval_id: approval.id,
      result: { approval_id: approval.id, hash: approval.hash, expires_at: approval.expires_at },
    };
  }
  const answer = await deps.tools.run(planned.call);
  return { ...base, status: answer.status < 300 ? 'ok' : 'error', result: answer.body };
}
