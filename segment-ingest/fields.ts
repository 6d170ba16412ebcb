/**
 * A refusal in the caller's words: Cascade's checks name Cascade's fields (`customerId`,
 * `attributes.plan`), a Segment caller sent `userId` and `traits.plan`, in `batch[3]` of a batch.
 */
import { HttpError } from '../lib/http-error';

/** Cascade field (its first segment) → where the Segment message had it. */
export type Sources = Record<string, string>;

export function segmentField(at: string, sources: Sources, field: string | undefined): string {
  const [head = '', ...rest] = (field ?? '').split('.');
  const source = [sources[head] ?? head, ...rest].filter(Boolean).join('.');
  return [at, source].filter(Boolean).join('.') || at;
}

export function refusal(
  at: string,
  sources: Sources,
  problem: { status?: number; code?: string; message: string; field?: string },
): HttpError {
  const field = segmentField(at, sources, problem.field);
  // Cascade's messages start with the field they blame; say the caller's name for it instead.
  const message = problem.field && problem.message.startsWith(`${problem.field}: `) ? problem.message.slice(problem.field.length + 2) : problem.message;
  return new HttpError(problem.status ?? 400, problem.code ?? 'invalid_request', field ? `${field}: ${message}` : message, field || undefined);
}
