import type { AgentSessionView, AgentTurnAnswer, AgentUsage } from '@meridian/contracts';
import type { ActorStateOperation } from '@meridian/service-kit';
import type { ActorState } from '../ports.ts';
import type { ChatMessage } from './llm.ts';

/** One message, one key (`msg:<seq>`), with a TTL: history is never one array rewritten per turn. */
export interface StoredMessage extends ChatMessage {
  seq: number;
  message_id: string;
  at: string;
}

/** The session's small head record: counters and totals, no history. */
export interface SessionMeta {
  session_id: string;
  tenant: string;
  created_at: string;
  /** The newest message's seq (0: none yet). */
  seq: number;
  /** Messages up to this seq are folded into the summary and out of the context window. */
  summarised_upto: number;
  usage: AgentUsage;
  turns: number;
}

export interface LoadedSession {
  meta: SessionMeta;
  summary: string | undefined;
  pinned: string[];
  /** Messages after `summarised_upto`, oldest first: what the next model call may see. */
  window: StoredMessage[];
}

export const msgKey = (seq: number) => `msg:${seq}`;
export const clientKey = (messageId: string) => `client:${messageId}`;
const META = 'meta';
const SUMMARY = 'summary';
const PINNED = 'pinned';

const newMeta = (o: { sessionId: string; tenant: string; at: string }): SessionMeta => ({
  session_id: o.sessionId,
  tenant: o.tenant,
  created_at: o.at,
  seq: 0,
  summarised_upto: 0,
  usage: { prompt_tokens: 0, completion_tokens: 0 },
  turns: 0,
});

const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/**
 * A session's layered memory in its actor's state: messages (one key each,
 * expiring), the running summary, pinned facts, and the head record. The
 * window is cached for the actor's activation and checked against the head
 * on every turn, so a turn reads one key when nothing else wrote.
 */
export class SessionMemory {
  private cached: LoadedSession | undefined;

  constructor(private readonly o: { state: ActorState; ttlSeconds: number }) {}

  async load(o: { sessionId: string; tenant: string; at: string }): Promise<LoadedSession> {
    const meta = (await this.o.state.get<SessionMeta>(META)) ?? newMeta(o);
    if (this.cached && this.cached.meta.seq === meta.seq && this.cached.meta.turns === meta.turns) return this.cached;
    const [summary, pinned] = await Promise.all([
      this.o.state.get<string>(SUMMARY),
      this.o.state.get<string[]>(PINNED),
    ]);
    const window = await this.messages(range(meta.summarised_upto + 1, meta.seq));
    this.cached = { meta, summary, pinned: pinned ?? [], window };
    return this.cached;
  }

  async answerOf(messageId: string): Promise<AgentTurnAnswer | undefined> {
    return this.o.state.get<AgentTurnAnswer>(clientKey(messageId));
  }

  /** Writes a turn in one transaction: its new messages, the head, the summary and facts if changed, and the answer. */
  async commit(o: {
    session: LoadedSession;
    added: StoredMessage[];
    answer: AgentTurnAnswer;
    clientMessageId: string | undefined;
    summaryChanged: boolean;
    pinnedChanged: boolean;
  }): Promise<void> {
    const ttl = { ttlInSeconds: String(this.o.ttlSeconds) };
    const ops: ActorStateOperation[] = o.added.map((m) => ({
      operation: 'upsert',
      request: { key: msgKey(m.seq), value: m, metadata: ttl },
    }));
    ops.push({ operation: 'upsert', request: { key: META, value: o.session.meta } });
    if (o.summaryChanged && o.session.summary !== undefined)
      ops.push({ operation: 'upsert', request: { key: SUMMARY, value: o.session.summary } });
    if (o.pinnedChanged) ops.push({ operation: 'upsert', request: { key: PINNED, value: o.session.pinned } });
    if (o.clientMessageId)
      ops.push({ operation: 'upsert', request: { key: clientKey(o.clientMessageId), value: o.answer, metadata: ttl } });
    try {
      await this.o.state.commit(ops);
      this.cached = o.session;
    } catch (err) {
      this.cached = undefined;
      throw err;
    }
  }

  /** Everything still retained, for GET: the summary, facts and each unexpired message. */
  async view(sessionId: string): Promise<AgentSessionView | undefined> {
    const meta = await this.o.state.get<SessionMeta>(META);
    if (!meta) return undefined;
    const [summary, pinned] = await Promise.all([
      this.o.state.get<string>(SUMMARY),
      this.o.state.get<string[]>(PINNED),
    ]);
    const messages = await this.messages(range(1, meta.seq));
    return {
      session_id: sessionId,
      ...(summary ? { summary } : {}),
      pinned: pinned ?? [],
      messages: messages.map((m) => ({ message_id: m.message_id, role: m.role, content: m.content, at: m.at })),
      usage: meta.usage,
    };
  }

  /** Deletes every key the session ever wrote (GDPR erasure); answers whether there was a session. */
  async purge(): Promise<boolean> {
    const meta = await this.o.state.get<SessionMeta>(META);
    this.cached = undefined;
    if (!meta) return false;
    const messages = await this.messages(range(1, meta.seq));
    const keys = [
      ...range(1, meta.seq).map(msgKey),
      ...messages.filter((m) => m.role === 'user').map((m) => clientKey(m.message_id)),
      SUMMARY,
      PINNED,
      META,
    ];
    for (let i = 0; i < keys.length; i += 500) {
      await this.o.state.commit(keys.slice(i, i + 500).map((key) => ({ operation: 'delete', request: { key } })));
    }
    return true;
  }

  forget(): void {
    this.cached = undefined;
  }

  private async messages(seqs: number[]): Promise<StoredMessage[]> {
    const found = await this.o.state.getMany<StoredMessage>(seqs.map(msgKey));
    return found.filter((m): m is StoredMessage => m !== undefined);
  }
}
