import { requestLogger } from '@meridian/service-kit';
import type { OutgoingEvent, Publisher } from '../domain/ports.ts';
import { mapLimit } from './map-limit.ts';
import type { SidecarHttp } from './sidecar-http.ts';

export type PublishMode = 'bulk' | 'single';

const ok = (status: number) => status >= 200 && status < 300;

/**
 * Publishes through the sidecar: in one bulk call (Dapr's alpha bulk
 * publish API, which reports failed entries one by one), or one call per
 * event with bounded concurrency. A publish that errors counts as not
 * published; it never throws, so the caller can mark what did go through.
 */
export class SidecarPublisher implements Publisher {
  constructor(private readonly opts: { http: SidecarHttp; pubsub: string; mode: PublishMode; concurrency: number }) {}

  async publish(o: { topic: string; events: OutgoingEvent[] }): Promise<Set<string>> {
    if (!o.events.length) return new Set();
    return this.opts.mode === 'bulk' ? this.bulk(o) : this.single(o);
  }

  private async bulk(o: { topic: string; events: OutgoingEvent[] }): Promise<Set<string>> {
    const all = new Set(o.events.map((e) => e.entryId));
    try {
      const answer = await this.opts.http.call({
        method: 'POST', what: `bulk publish to ${o.topic}`,
        path: `/v1.0-alpha1/publish/bulk/${encodeURIComponent(this.opts.pubsub)}/${encodeURIComponent(o.topic)}`,
        body: o.events.map((e) => ({ entryId: e.entryId, event: e.data, contentType: 'application/json' })),
      });
      if (ok(answer.status)) return new Set();
      const failed = failedEntries(answer.text);
      requestLogger().warn({ topic: o.topic, status: answer.status, failed: failed?.size ?? all.size, of: all.size, detail: answer.text.slice(0, 300) }, 'bulk publish failed');
      return failed ?? all;
    } catch (err) {
      requestLogger().warn({ err, topic: o.topic, of: all.size }, 'bulk publish failed');
      return all;
    }
  }

  private async single(o: { topic: string; events: OutgoingEvent[] }): Promise<Set<string>> {
    const path = `/v1.0/publish/${encodeURIComponent(this.opts.pubsub)}/${encodeURIComponent(o.topic)}`;
    const failed = new Set<string>();
    let firstError: unknown;
    await mapLimit(o.events, this.opts.concurrency, async (e) => {
      try {
        const answer = await this.opts.http.call({ method: 'POST', path, body: e.data, what: `publish to ${o.topic}` });
        if (!ok(answer.status)) throw new Error(`publish answered ${answer.status}: ${answer.text.slice(0, 300)}`);
      } catch (err) {
        firstError ??= err;
        failed.add(e.entryId);
      }
    });
    if (failed.size) requestLogger().warn({ err: firstError, topic: o.topic, failed: failed.size, of: o.events.length }, 'publish failed');
    return failed;
  }
}

/** The entry ids daprd lists as failed, or undefined when it did not say (then nothing is known to be published). */
function failedEntries(text: string): Set<string> | undefined {
  try {
    const body = JSON.parse(text) as { failedEntries?: { entryId?: string }[] };
    if (!Array.isArray(body.failedEntries) || !body.failedEntries.length) return undefined;
    return new Set(body.failedEntries.flatMap((f) => (typeof f.entryId === 'string' ? [f.entryId] : [])));
  } catch {
    return undefined;
  }
}
