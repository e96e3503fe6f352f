import { AppError, type ErrorCode } from '../errors.ts';

/** The gRPC status codes this side answers with (grpc/doc/statuscodes.md). */
export const GrpcCode = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  ABORTED: 10,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;
export type GrpcCode = (typeof GrpcCode)[keyof typeof GrpcCode];

/** The one table from Meridian's error codes to gRPC's, as the HTTP status mapping of the gRPC spec reads in reverse. */
const FROM_APP_ERROR: Record<ErrorCode, GrpcCode> = {
  BAD_REQUEST: GrpcCode.INVALID_ARGUMENT,
  UNAUTHENTICATED: GrpcCode.UNAUTHENTICATED,
  FORBIDDEN: GrpcCode.PERMISSION_DENIED,
  NOT_FOUND: GrpcCode.NOT_FOUND,
  METHOD_NOT_ALLOWED: GrpcCode.UNIMPLEMENTED,
  CONFLICT: GrpcCode.ABORTED,
  PAYLOAD_TOO_LARGE: GrpcCode.RESOURCE_EXHAUSTED,
  UNSUPPORTED_MEDIA_TYPE: GrpcCode.INVALID_ARGUMENT,
  TOO_MANY_REQUESTS: GrpcCode.RESOURCE_EXHAUSTED,
  INTERNAL: GrpcCode.INTERNAL,
  BAD_GATEWAY: GrpcCode.UNAVAILABLE,
  UNAVAILABLE: GrpcCode.UNAVAILABLE,
  DEADLINE_EXCEEDED: GrpcCode.DEADLINE_EXCEEDED,
};

/** A failed call as the client will see it; an error that is no AppError is INTERNAL and its text stays in the log. */
export function grpcStatusOf(err: unknown): { code: GrpcCode; message: string } {
  if (err instanceof GrpcError) return { code: err.code, message: err.message };
  if (err instanceof AppError) return { code: FROM_APP_ERROR[err.code], message: err.message };
  return { code: GrpcCode.INTERNAL, message: 'internal error' };
}

/** A refusal that belongs to the gRPC layer itself (framing, method, token). */
export class GrpcError extends Error {
  readonly code: GrpcCode;
  constructor(code: GrpcCode, message: string) {
    super(message);
    this.code = code;
  }
}
