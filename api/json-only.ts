/**
 * Write calls take JSON only. Without this a `text/plain` body would reach a route as an empty
 * object, and `PUT /v1/customers/:id` would answer 201 for a body it never read.
 */
import type { RequestHandler } from 'express';
import { HttpError } from '../lib/http-error';

const WRITES = new Set(['POST', 'PUT', 'PATCH']);

export const jsonBodiesOnly: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (WRITES.has(req.method) && hasBody && !req.is('application/json')) {
    throw new HttpError(415, 'unsupported_media_type', `Send the body as application/json (got ${req.get('content-type') ?? 'no content-type'})`, 'content-type');
  }
  next();
};
