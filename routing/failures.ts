/**
 * Routing failures in two kinds. Permanent: retrying the same event can never work (Temporal
 * refuses the request as invalid, the trigger breaks a journey's rules); the event is dead-lettered
 * with the error. Retryable: anything else (Temporal or Postgres down, a deadline); the event stays
 * unrouted and the sweeper tries again with backoff.
 */
import { isGrpcServiceError, ServiceError } from '@temporalio/client';

export class PermanentRoutingError extends Error {
  override name = 'PermanentRoutingError';
}

// gRPC codes INVALID_ARGUMENT, PERMISSION_DENIED and OUT_OF_RANGE: the request itself is refused.
const PERMANENT_GRPC = new Set([3, 7, 11]);

export function isPermanent(err: unknown): boolean {
  if (err instanceof PermanentRoutingError) return true;
  const cause = err instanceof ServiceError ? err.cause : err;
  return isGrpcServiceError(cause) && PERMANENT_GRPC.has(cause.code);
}
