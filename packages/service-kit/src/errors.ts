import type { ServerResponse } from 'node:http';
import type { ErrorRequestHandler } from 'express';
import type { z } from 'zod';
import { PROBLEM_CONTENT_TYPE, type ProblemDetails } from '@meridian/contracts';
import { currentTraceId } from './telemetry.ts';
import { requestLogger } from './logger.ts';

/** The closed set of error codes, and the one table from code to HTTP status. */
export const ErrorStatus = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  INTERNAL: 500,
  BAD_GATEWAY: 502,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
} as const;
export type ErrorCode = keyof typeof ErrorStatus;

export interface FieldError {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;
  constructor(opts: {
    code: ErrorCode;
    message: string;
    errors?: FieldError[];
    headers?: Record<string, string>;
    cause?: unknown;
  }) {
    super(opts.message, { cause: opts.cause });
    this.name = 'AppError';
    this.code = opts.code;
    this.errors = opts.errors;
    this.headers = opts.headers;
  }
  get status(): number {
    return ErrorStatus[this.code];
  }
}

/** Turns zod issues into field errors whose path names the offending field. */
export function fieldErrors(issues: z.core.$ZodIssue[], prefix = ''): FieldError[] {
  return issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(body)',
    message: issue.message,
  }));
}

export function badRequest(message: string, errors?: FieldError[]): AppError {
  return new AppError({ code: 'BAD_REQUEST', message, ...(errors ? { errors } : {}) });
}

/** Parses with a schema or throws a 400 that lists every problem. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const errors = fieldErrors(parsed.error.issues);
    throw badRequest(`${what} is invalid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
  }
  return parsed.data;
}

export function problemBody(err: AppError, instance?: string): ProblemDetails {
  const traceId = currentTraceId();
  return {
    type: `https://meridian.dev/problems/${err.code.toLowerCase().replaceAll('_', '-')}`,
    title: err.code.replaceAll('_', ' ').toLowerCase(),
    status: err.status,
    code: err.code,
    detail: err.message,
    ...(instance ? { instance } : {}),
    ...(traceId ? { trace_id: traceId } : {}),
    ...(err.errors ? { errors: err.errors } : {}),
  };
}

/** Answers with the problem (node:http's own calls: Express's answer and the lean lane's alike). */
export function sendProblem(res: ServerResponse, err: AppError, instance?: string): void {
  for (const [k, v] of Object.entries(err.headers ?? {})) res.setHeader(k, v);
  const body = Buffer.from(JSON.stringify(problemBody(err, instance)));
  res.statusCode = err.status;
  res.setHeader('content-type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
  res.setHeader('content-length', body.length);
  res.end(body);
}

/** Normalises body-parser errors (bad JSON, too large) and bugs into problem+json. */
export function asAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { type?: string; status?: number; message?: string };
  if (e?.type === 'entity.too.deep') return badRequest(e.message ?? 'request body is nested too deeply');
  if (e?.type === 'entity.too.large')
    return new AppError({ code: 'PAYLOAD_TOO_LARGE', message: 'request body is larger than the limit' });
  if (e?.type === 'entity.parse.failed') return badRequest(`request body is not valid JSON: ${e.message ?? ''}`.trim());
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return new AppError({ code: 'UNSUPPORTED_MEDIA_TYPE', message: e.message ?? 'unsupported encoding' });
  }
  return new AppError({ code: 'INTERNAL', message: 'internal error', cause: err });
}

export const errorHandler: ErrorRequestHandler = function errorHandler(err, req, res, _next) {
  const appError = asAppError(err);
  const log = requestLogger();
  if (appError.status >= 500) log.error({ err: appError.cause ?? err, code: appError.code }, 'request failed');
  else log.debug({ code: appError.code, detail: appError.message }, 'request rejected');
  if (res.headersSent) return;
  sendProblem(res, appError, req.originalUrl);
};
