/** The API's one error shape, `{ error: { code, message, field? } }`, and the handler that emits it. */
import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';
import { logger } from '../lib/logger';

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

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  if (err instanceof HttpError) {
    res.status(err.status).json({ error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } });
    return;
  }
  const status = (err as { status?: number }).status;
  if ((err as { type?: string }).type === 'entity.too.large') {
    const limit = (err as { limit?: number }).limit;
    res.status(413).json({ error: { code: 'body_too_large', message: `The request body is over this route's limit of ${limit} bytes` } });
    return;
  }
  if (status && status >= 400 && status < 500) {
    const code =
      (err as { type?: string }).type === 'entity.parse.failed' ? 'invalid_json' : status === 404 ? 'not_found' : 'bad_request';
    res.status(status).json({ error: { code, message: (err as Error).message } });
    return;
  }
  logger.error({ err, method: req.method, path: req.path, keyId: (res.locals.apiKey as { id?: string } | undefined)?.id }, 'request failed');
  res.status(500).json({ error: { code: 'internal', message: 'Internal error' } });
};
