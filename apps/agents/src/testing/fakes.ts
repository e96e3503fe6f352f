import type { AgentApproval, AgentUsage } from '@meridian/contracts';
import { AppError, type ActorStateOperation } from '@meridian/service-kit';
import { callHash } from '../domain/approvals/approval-desk.ts';
import type { ChatMessage, LanguageModel, LlmAnswer, ToolSpec, Usage } from '../domain/conversation/llm.ts';
import type { PlatformCall } from '../domain/conversation/tools.ts';
import type { ActorState, ApprovalParking, TenantLedger, ToolRunner } from '../domain/ports.ts';

/** A clock the test moves by hand. */
export class FakeClock {
  constructor(public ms = Date.parse('2026-01-05T09:00:00.000Z')) {}
  readonly now = (): Date => new Date(this.ms);
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

// Values go through JSON as they do through the sidecar, so a caller cannot keep a live reference to stored state.
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * One actor's state in memory: reads and transactions are recorded, `ttlInSeconds` expires a key
 * against the injected clock, and `failNextCommit` makes the next transaction fail as a whole.
 */
export class MemoryActorState implements ActorState {
  private readonly items = new Map<string, { value: unknown; expiresAt?: number }>();
  /** Every key read, in order (getMany reads each of its keys). */
  readonly reads: string[] = [];
  readonly commits: ActorStateOperation[][] = [];
  failNextCommit: Error | undefined;

  constructor(private readonly clock: () => Date = () => new Date()) {}

  private live(key: string): unknown {
    const item = this.items.get(key);
    if (!item) return undefined;
    if (item.expiresAt !== undefined && this.clock().getTime() >= item.expiresAt) {
      this.items.delete(key);
      return undefined;
    }
    return clone(item.value);
  }

  async get<T>(key: string): Promise<T | undefined> {
    this.reads.push(key);
    return this.live(key) as T | undefined;
  }

  async getMany<T>(keys: string[]): Promise<(T | undefined)[]> {
    this.reads.push(...keys);
    return keys.map((k) => this.live(k) as T | undefined);
  }

  async commit(ops: ActorStateOperation[]): Promise<void> {
    if (this.failNextCommit) {
      const err = this.failNextCommit;
      this.failNextCommit = undefined;
      throw err;
    }
    this.commits.push(clone(ops));
    for (const op of ops) {
      if (op.operation === 'delete') {
        this.items.delete(op.request.key);
        continue;
      }
      const ttl = Number(op.request.metadata?.ttlInSeconds);
      this.items.set(op.request.key, {
        value: clone(op.request.value),
        ...(Number.isFinite(ttl) ? { expiresAt: this.clock().getTime() + ttl * 1000 } : {}),
      });
    }
  }

  /** Writes a key as another writer would, outside any transaction this test counts. */
  seed(key: string, value: unknown): void {
    this.items.set(key, { value: clone(value) });
  }

  /** Unexpired keys, sorted. */
  keys(): string[] {
    return [...this.items.keys()].filter((k) => this.live(k) !== undefined).sort();
  }

  peek<T>(key: string): T | undefined {
    return this.live(key) as T | undefined;
  }
}

/** Records each call and answers with `answer` (200 `{ ok: true }` unless set). */
export class FakeToolRunner implements ToolRunner {
  readonly calls: PlatformCall[] = [];
  answer: (call: PlatformCall) => { status: number; body: unknown } = () => ({ status: 200, body: { ok: true } });

  async run(call: PlatformCall): Promise<{ status: number; body: unknown }> {
    this.calls.push(clone(call));
    return this.answer(call);
  }
}

/** Parks every call as a new pending approval `ap-<n>`. */
export class FakeApprovalParking implements ApprovalParking {
  readonly parked: Parameters<ApprovalParking['park']>[0][] = [];

  async park(o: Parameters<ApprovalParking['park']>[0]): Promise<AgentApproval> {
    this.parked.push(clone(o));
    return {
      id: `ap-${this.parked.length}`,
      session_id: o.sessionId,
      tool: o.tool,
      arguments: o.arguments,
      hash: callHash(o),
      status: 'pending',
      requested_by: o.requestedBy,
      requested_at: '2026-01-05T09:00:00.000Z',
      expires_at: '2026-01-05T10:00:00.000Z',
    };
  }
}

/** Tenants in `spent` are over their budget: check throws TOO_MANY_REQUESTS. */
export class FakeTenantLedger implements TenantLedger {
  readonly spent = new Set<string>();
  readonly checks: string[] = [];
  readonly charges: { tenant: string; usage: AgentUsage }[] = [];

  async check(tenant: string): Promise<void> {
    this.checks.push(tenant);
    if (this.spent.has(tenant))
      throw new AppError({ code: 'TOO_MANY_REQUESTS', message: `tenant ${tenant} has used its token budget` });
  }

  async charge(o: { tenant: string; usage: AgentUsage }): Promise<void> {
    this.charges.push(clone(o));
  }
}

export const say = (content: string, usage: Usage = { promptTokens: 10, completionTokens: 5 }): LlmAnswer => ({
  content,
  toolCalls: [],
  usage,
});

export const askTools = (
  calls: LlmAnswer['toolCalls'],
  usage: Usage = { promptTokens: 10, completionTokens: 5 },
): LlmAnswer => ({ content: '', toolCalls: calls, usage });

/**
 * A language model that answers from a queue (then from `fallback`, if set), records what it
 * was shown, and summarises deterministically: the previous summary plus one line per message.
 */
export class ScriptedModel implements LanguageModel {
  readonly name: string;
  readonly contextTokens: number;
  readonly calls: { messages: ChatMessage[]; tools: ToolSpec[] }[] = [];
  readonly summaries: { previous?: string; messages: ChatMessage[] }[] = [];
  fallback: (() => LlmAnswer) | undefined;
  static readonly SUMMARY_USAGE: Usage = { promptTokens: 7, completionTokens: 3 };

  constructor(
    private readonly answers: LlmAnswer[] = [],
    o: { name?: string; contextTokens?: number } = {},
  ) {
    this.name = o.name ?? 'scripted';
    this.contextTokens = o.contextTokens ?? 100_000;
  }

  async complete(o: { messages: ChatMessage[]; tools: ToolSpec[] }): Promise<LlmAnswer> {
    this.calls.push(clone(o));
    const next = this.answers.shift() ?? this.fallback?.();
    if (!next) throw new Error('the scripted model has no answer left');
    return next;
  }

  async summarise(o: { previous?: string; messages: ChatMessage[] }): Promise<{ summary: string; usage: Usage }> {
    this.summaries.push(clone(o));
    const lines = o.messages.map((m) => `${m.role}: ${m.content.slice(0, 20)}`);
    return {
      summary: [...(o.previous ? [o.previous] : []), ...lines].join('\n'),
      usage: ScriptedModel.SUMMARY_USAGE,
    };
  }
}
