/**
 * A refusal the caller can act on: an HTTP status, a stable code, a message and the field to blame.
 * Thrown by routes and by the services they call (import, merges); api/errors.ts turns it into the
 * API's error shape.
 */
import { z } from 'zod';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Parses with zod; the first problem becomes a 400 that names the field. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, prefix?: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { message, field } = problemOf(result.error, prefix);
  throw new HttpError(400, 'invalid_request', message, field);
}

/** A zod error's first issue as the API says it: the dotted field and a message that starts with it. */
export function problemOf(error: z.ZodError, prefix?: string): { message: string; field?: string } {
  const issue = error.issues[0]!;
  // An unknown field is to blame itself, not the object holding it.
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  const field = [prefix, ...path.map(String)].filter(Boolean).join('.');
  return { message: field ? `${field}: ${issue.message}` : issue.message, field: field || undefined };
}
