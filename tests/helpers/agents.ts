import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { AgentApproval, AgentSessionView, AgentTurnAnswer, type Role } from '@meridian/contracts';
import { eventually, type PlatformHandle } from './platform.ts';

/** The gateway's agent routes for one caller (a token subject and role). */
export function agentCaller(h: PlatformHandle, o: { sub: string; role: Role }) {
  const call = async (path: string, init: RequestInit = {}) => {
    const token = await h.token([o.role], o.sub);
    return fetch(`${h.platform.gatewayUrl}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(init.headers as object) },
    });
  };
  return {
    call,
    async say(session: string, content: string, messageId?: string): Promise<AgentTurnAnswer> {
      const res = await call(`/v1/agents/sessions/${session}/messages`, {
        method: 'POST',
        body: JSON.stringify({ content, ...(messageId ? { message_id: messageId } : {}) }),
      });
      if (res.status !== 200) throw new Error(`message answered ${res.status}: ${await res.text()}`);
      return AgentTurnAnswer.parse(await res.json());
    },
    async session(session: string): Promise<AgentSessionView> {
      const res = await call(`/v1/agents/sessions/${session}`);
      if (res.status !== 200) throw new Error(`session answered ${res.status}: ${await res.text()}`);
      return AgentSessionView.parse(await res.json());
    },
    async approvals(): Promise<AgentApproval[]> {
      const res = await call('/v1/agents/approvals');
      if (res.status !== 200) throw new Error(`approvals answered ${res.status}: ${await res.text()}`);
      return AgentApproval.array().parse(await res.json());
    },
  };
}

/** Waits until the approval has the status (a reminder decides expiry, so it is polled). */
export function approvalBecomes(o: {
  admin: ReturnType<typeof agentCaller>;
  id: string;
  status: AgentApproval['status'];
  timeoutMs: number;
}): Promise<AgentApproval | undefined> {
  return eventually(
    async () => (await o.admin.approvals()).find((a) => a.id === o.id),
    (a) => a?.status === o.status,
    o.timeoutMs,
  );
}

/** State-store keys (any app) containing `fragment`, read from the store itself. */
export function storedKeys(o: { stack: string; dataDir: string; fragment: string }): string[] {
  const like = `%${o.fragment}%`;
  if (o.stack.includes('redis'))
    return execFileSync('redis-cli', ['--scan', '--pattern', `*${o.fragment}*`], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
  if (o.stack.includes('postgres'))
    return execFileSync(
      'psql',
      [
        '-h',
        'localhost',
        '-U',
        'postgres',
        '-d',
        'test',
        '-At',
        '-c',
        `select key from state where key like '${like}'`,
      ],
      { encoding: 'utf8' },
    )
      .split('\n')
      .filter(Boolean);
  return execFileSync(
    'sqlite3',
    [join(o.dataDir, 'state-agents.db'), `select key from state where key like '${like}'`],
    { encoding: 'utf8' },
  )
    .split('\n')
    .filter(Boolean);
}
