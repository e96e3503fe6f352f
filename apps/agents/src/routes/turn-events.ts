import type { Response } from 'express';
import type { AgentTurnAnswer } from '@meridian/contracts';

const event = (res: Response, name: string, data: unknown) =>
  res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);

/**
 * A turn as server-sent events: each tool call, the reply token by token
 * (words with their spacing), then `done` with the whole answer. The turn runs
 * inside its actor before the first event is written (an actor call answers
 * once), so the events arrive together; see docs/agents.md.
 */
export function sendTurnEvents(res: Response, answer: AgentTurnAnswer): void {
  res.status(200).setHeader('content-type', 'text/event-stream').setHeader('cache-control', 'no-store');
  for (const call of answer.tool_calls) event(res, 'tool_call', call);
  for (const token of answer.reply.match(/\s*\S+/g) ?? []) event(res, 'token', { text: token });
  event(res, 'done', answer);
  res.end();
}
