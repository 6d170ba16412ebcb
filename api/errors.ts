/** The API's one error shape, `{ error: { code, message, field? } }`: the handler that emits it. */
import type { ErrorRequestHandler } from 'express';
import { HttpError } from '../lib/http-error';
import { logger } from '../lib/logger';

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
