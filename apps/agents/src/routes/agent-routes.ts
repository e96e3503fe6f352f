import type { Express, Request, Response } from 'express';
import { AgentMessageRequest, ApprovalDecision, type AgentTurnAnswer, type Role } from '@meridian/contracts';
import {
  AppError,
  callerRoles,
  callerSubject,
  parseOrThrow,
  requestLogger,
  type ActorClient,
} from '@meridian/service-kit';
import type { DeskClient } from '../actors/desk-actor.ts';
import { ActorTypes, sessionActorId, tenantOf } from '../actors/ids.ts';
import { listIncidents } from '../actors/incident-actor.ts';
import type { TurnBody } from '../actors/session-actor.ts';
import { sendTurnEvents } from './turn-events.ts';

export interface AgentRouteDeps {
  actors: ActorClient;
  desk: DeskClient;
  /** How long an actor call may take (a turn includes model and tool calls). */
  turnTimeoutMs: number;
}

/** Who is asking: only the gateway forwards people, with the roles of their verified token. */
function caller(req: Request): { subject: string; tenant: string; role: Role } {
  const roles = callerRoles(req);
  if (!roles.length)
    throw new AppError({ code: 'FORBIDDEN', message: 'agents answer people through the gateway only' });
  const subject = callerSubject(req);
  return { subject, tenant: tenantOf(subject), role: roles.includes('admin') ? 'admin' : roles[0]! };
}

const sessionRef = (tenant: string, sessionId: string) => ({
  type: ActorTypes.session,
  id: sessionActorId({ tenant, sessionId }),
});

export function agentRoutes(app: Express, deps: AgentRouteDeps): void {
  app.post('/v1/agents/sessions/:id/messages', async (req: Request, res: Response) => {
    const who = caller(req);
    const message = parseOrThrow(AgentMessageRequest, req.body, 'message');
    const sessionId = String(req.params.id);
    const body: TurnBody = {
      ...message,
      session_id: sessionId,
      tenant: who.tenant,
      caller: { subject: who.subject, role: who.role },
    };
    const answer = await deps.actors.invoke<AgentTurnAnswer>({
      ...sessionRef(who.tenant, sessionId),
      method: 'message',
      body,
      timeoutMs: deps.turnTimeoutMs,
    });
    requestLogger().info(
      {
        session: sessionId,
        tools: answer.tool_calls.map((c) => `${c.name}:${c.status}${c.approval_id ? `:${c.approval_id}` : ''}`),
        usage: answer.usage,
        replayed: answer.replayed,
      },
      'agent turn',
    );
    if (req.header('accept') === 'text/event-stream') sendTurnEvents(res, answer);
    else res.json(answer);
  });

  app.get('/v1/agents/sessions/:id', async (req: Request, res: Response) => {
    const who = caller(req);
    const sessionId = String(req.params.id);
    res.json(
      await deps.actors.invoke({
        ...sessionRef(who.tenant, sessionId),
        method: 'view',
        body: { session_id: sessionId },
      }),
    );
  });

  app.delete('/v1/agents/sessions/:id', async (req: Request, res: Response) => {
    const who = caller(req);
    const sessionId = String(req.params.id);
    const ref = sessionRef(who.tenant, sessionId);
    const { existed } = await deps.actors.invoke<{ existed: boolean }>({ ...ref, method: 'purge' });
    const approvals = await deps.desk.forgetSession(ref.id);
    requestLogger().info({ session: sessionId, existed, approvals }, 'session erased');
    res.status(204).end();
  });

  app.get('/v1/agents/approvals', async (req: Request, res: Response) => {
    if (caller(req).role !== 'admin') throw new AppError({ code: 'FORBIDDEN', message: 'approvals are for admins' });
    res.json(await deps.desk.list());
  });

  app.post('/v1/agents/approvals/:id', async (req: Request, res: Response) => {
    const who = caller(req);
    if (who.role !== 'admin') throw new AppError({ code: 'FORBIDDEN', message: 'only an admin decides approvals' });
    const decision = parseOrThrow(ApprovalDecision, req.body, 'decision');
    const decided = await deps.desk.decide({
      id: String(req.params.id),
      approve: decision.approve,
      hash: decision.hash,
      by: who.subject,
    });
    requestLogger().info(
      {
        approval: decided.id,
        tool: decided.tool,
        status: decided.status,
        by: who.subject,
        outcome: decided.outcome?.status,
      },
      'approval decided',
    );
    res.json(decided);
  });

  app.get('/v1/agents/motes/:entity', async (req: Request, res: Response) => {
    caller(req);
    res.json(await deps.actors.invoke({ type: ActorTypes.mote, id: String(req.params.entity), method: 'view' }));
  });

  app.get('/v1/agents/incidents', async (req: Request, res: Response) => {
    caller(req);
    res.json(await listIncidents(deps.actors));
  });
}
