import type { RequestHandler, Response } from 'express';
import { AppError } from '@meridian/service-kit';
import type { EventHub, StreamMessage } from '../domain/event-hub.ts';

/** Bytes a client may leave unread before it is dropped: a stalled reader must not hold the gateway's memory. */
export const MAX_UNREAD_BYTES = 1 << 20;

/** One message on the wire: `event: <type>` and `data: <json>` (JSON has no raw newline), or a comment line. */
export function formatMessage(message: StreamMessage): string {
  if ('comment' in message) return `: ${message.comment}\n\n`;
  return `event: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`;
}

function openStream(res: Response): void {
  if (res.headersSent) return;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    // The connection is the stream's: when the stream ends (or the gateway stops), the socket goes with it.
    connection: 'close',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
}

/**
 * `GET /v1/events`: server-sent events from the shared hub, after the token
 * and role were checked and one open was counted against the subject's
 * `stream` rate. 503 when MAX_EVENT_STREAMS are open, 429 when the subject
 * has MAX_EVENT_STREAMS_PER_SUBJECT open; the stream holds no shedding slot.
 * It ends when the client goes, or falls MAX_UNREAD_BYTES behind.
 */
export function eventStream(o: { hub: Pick<EventHub, 'join'>; maxUnreadBytes?: number }): RequestHandler {
  const maxUnread = o.maxUnreadBytes ?? MAX_UNREAD_BYTES;
  return function streamEvents(req, res, next) {
    const end = () => {
      if (!res.writableEnded) res.end();
    };
    const joined = o.hub.join({
      subject: String(res.locals.subject),
      roles: (res.locals.roles as string[] | undefined) ?? [],
      send(message) {
        if (res.writableEnded) return;
        openStream(res);
        // Its 'close' follows, which takes it out of the hub.
        if (res.writableLength > maxUnread) res.destroy();
        else res.write(formatMessage(message));
      },
      close: end,
    });
    if ('refused' in joined) {
      next(
        joined.refused === 'streams'
          ? new AppError({
              code: 'UNAVAILABLE',
              message: `the gateway has its limit of ${joined.limit} event streams open; retry later`,
              headers: { 'retry-after': '30' },
            })
          : new AppError({
              code: 'TOO_MANY_REQUESTS',
              message: `this subject has its limit of ${joined.limit} event streams open; close one first`,
              headers: { 'retry-after': '30' },
            }),
      );
      return;
    }
    openStream(res);
    res.on('close', joined.leave);
    // A client gone before it joined has had its 'close' already.
    if (res.closed || req.socket.destroyed) joined.leave();
  };
}
