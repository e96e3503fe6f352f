import type { AgentApproval, AgentUsage, Role } from '@meridian/contracts';
import type { ActorStateOperation } from '@meridian/service-kit';
import type { PlatformCall } from './conversation/tools.ts';

/** One actor's state, through its sidecar: keys are the actor's own. */
export interface ActorState {
  get<T>(key: string): Promise<T | undefined>;
  getMany<T>(keys: string[]): Promise<(T | undefined)[]>;
  /** Atomic: every write and delete lands, or none. */
  commit(ops: ActorStateOperation[]): Promise<void>;
}

/** Runs a tool's planned call against the platform's own apps (Dapr service invocation). */
export interface ToolRunner {
  run(call: PlatformCall): Promise<{ status: number; body: unknown }>;
}

/** Parks a mutating call for a human; answers the approval record. */
export interface ApprovalParking {
  park(o: {
    sessionId: string;
    tool: string;
    arguments: Record<string, unknown>;
    requestedBy: string;
  }): Promise<AgentApproval>;
}

/** Token accounting per tenant (the token's subject), with a budget. */
export interface TenantLedger {
  /** Throws TOO_MANY_REQUESTS when the tenant has spent its budget. */
  check(tenant: string): Promise<void>;
  charge(o: { tenant: string; usage: AgentUsage }): Promise<void>;
}

/** Who is talking: from the gateway's verified token. */
export interface Caller {
  subject: string;
  role: Role;
}
