import { createHash } from 'node:crypto';
import type { AgentApproval } from '@meridian/contracts';
import { AppError, canonicalJson } from '@meridian/service-kit';
import type { ActorState, ToolRunner } from '../ports.ts';
import { planCall } from '../conversation/tools.ts';

const APPROVALS = 'approvals';
/** Decided approvals kept for the list and the audit trail; pending ones are always kept. */
export const KEEP_DECIDED = 500;

/** What an admin approves: the exact tool and arguments, nothing else. */
export function callHash(o: { tool: string; arguments: Record<string, unknown> }): string {
  return createHash('sha256')
    .update(canonicalJson({ tool: o.tool, arguments: o.arguments }))
    .digest('hex');
}

interface DeskState {
  seq: number;
  approvals: AgentApproval[];
}

/**
 * Human approval of the calls that change things. One desk (one actor) holds
 * every approval, so parking, deciding and expiring are turn-based and never
 * race: an approval is decided once, and an expired one can no longer run.
 */
export class ApprovalDesk {
  constructor(
    private readonly o: { state: ActorState; tools: ToolRunner; clock: () => Date; timeoutSeconds: number },
  ) {}

  private async read(): Promise<DeskState> {
    return (await this.o.state.get<DeskState>(APPROVALS)) ?? { seq: 0, approvals: [] };
  }

  private async write(desk: DeskState): Promise<void> {
    const pending = desk.approvals.filter((a) => a.status === 'pending');
    // The most recently decided are kept: a long-pending call decided now must not fall off with its outcome.
    const decided = desk.approvals
      .filter((a) => a.status !== 'pending')
      .sort((a, b) => (a.decided_at ?? a.requested_at).localeCompare(b.decided_at ?? b.requested_at))
      .slice(-KEEP_DECIDED);
    const approvals = [...pending, ...decided].sort((a, b) => a.requested_at.localeCompare(b.requested_at));
    await this.o.state.commit([{ operation: 'upsert', request: { key: APPROVALS, value: { ...desk, approvals } } }]);
  }

  /** Parks a call; the same call from the same session while still pending is the same approval. */
  async park(o: {
    sessionId: string;
    tool: string;
    arguments: Record<string, unknown>;
    requestedBy: string;
  }): Promise<{ approval: AgentApproval; created: boolean }> {
    const desk = await this.read();
    const hash = callHash(o);
    const open = desk.approvals.find((a) => a.status === 'pending' && a.hash === hash && a.session_id === o.sessionId);
    if (open) return { approval: open, created: false };
    const now = this.o.clock();
    desk.seq += 1;
    const approval: AgentApproval = {
      id: `ap-${desk.seq}-${hash.slice(0, 12)}`,
      session_id: o.sessionId,
      tool: o.tool,
      arguments: o.arguments,
      hash,
      status: 'pending',
      requested_by: o.requestedBy,
      requested_at: now.toISOString(),
      expires_at: new Date(now.getTime() + this.o.timeoutSeconds * 1000).toISOString(),
    };
    desk.approvals.push(approval);
    await this.write(desk);
    return { approval, created: true };
  }

  async list(): Promise<AgentApproval[]> {
    return (await this.read()).approvals;
  }

  /** An admin's decision; an approved call runs now, once, and its answer is kept with the approval. */
  async decide(o: { id: string; approve: boolean; hash?: string | undefined; by: string }): Promise<AgentApproval> {
    const desk = await this.read();
    const approval = desk.approvals.find((a) => a.id === o.id);
    if (!approval) throw new AppError({ code: 'NOT_FOUND', message: `no approval "${o.id}"` });
    if (approval.status !== 'pending')
      throw new AppError({ code: 'CONFLICT', message: `approval ${o.id} is already ${approval.status}` });
    if (o.hash && o.hash !== approval.hash)
      throw new AppError({ code: 'CONFLICT', message: `approval ${o.id} is for a different call (hash mismatch)` });
    const now = this.o.clock();
    if (now.getTime() >= Date.parse(approval.expires_at)) {
      approval.status = 'expired';
      approval.decided_by = 'timeout';
      approval.decided_at = now.toISOString();
      await this.write(desk);
      throw new AppError({ code: 'CONFLICT', message: `approval ${o.id} expired at ${approval.expires_at}` });
    }
    approval.status = o.approve ? 'approved' : 'denied';
    approval.decided_by = o.by;
    approval.decided_at = now.toISOString();
    if (o.approve) {
      const planned = planCall(approval.tool, approval.arguments);
      approval.outcome = planned.ok
        ? await this.o.tools.run(planned.call)
        : { status: 400, body: { detail: planned.error } };
    }
    await this.write(desk);
    return approval;
  }

  /** The timeout: a call nobody approved in time is denied (status `expired`). */
  async expire(id: string): Promise<AgentApproval | undefined> {
    const desk = await this.read();
    const approval = desk.approvals.find((a) => a.id === id);
    if (approval?.status !== 'pending') return approval;
    approval.status = 'expired';
    approval.decided_by = 'timeout';
    approval.decided_at = this.o.clock().toISOString();
    await this.write(desk);
    return approval;
  }

  /** GDPR erasure of a session reaches its approvals too. */
  async forgetSession(sessionId: string): Promise<number> {
    const desk = await this.read();
    const before = desk.approvals.length;
    desk.approvals = desk.approvals.filter((a) => a.session_id !== sessionId);
    if (desk.approvals.length !== before) await this.write(desk);
    return before - desk.approvals.length;
  }
}
