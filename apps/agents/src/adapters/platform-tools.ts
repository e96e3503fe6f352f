import type { DaprClient } from '@meridian/service-kit';
import type { PlatformCall } from '../domain/conversation/tools.ts';
import type { ToolRunner } from '../domain/ports.ts';

/** The largest tool answer kept (the model sees less: see turn.ts). */
const MAX_BODY = 64 * 1024;

/**
 * Tools are the platform's own APIs, called by Dapr service invocation as
 * the `agents` app: the callee's access-control list decides what an agent
 * may call at all (read operations, and the mutating ones only an approval runs).
 */
export class PlatformTools implements ToolRunner {
  constructor(private readonly o: { dapr: DaprClient; timeoutMs: number }) {}

  async run(call: PlatformCall): Promise<{ status: number; body: unknown }> {
    try {
      const res = await this.o.dapr.invoke({
        appId: call.app,
        method: call.path,
        httpMethod: call.method,
        timeoutMs: this.o.timeoutMs,
        ...(call.body === undefined ? {} : { body: call.body }),
      });
      const text = res.text().slice(0, MAX_BODY);
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON (or cut short): the text is the answer.
      }
      return { status: res.status, body };
    } catch (err) {
      return { status: 503, body: { detail: `${call.app} unreachable: ${(err as Error).message}` } };
    }
  }
}
