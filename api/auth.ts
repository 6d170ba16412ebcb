/**
 * Bearer API keys and their scopes. `authenticate` (on `/v1`) answers 401 to a request without a
 * known, unrevoked key and names the key for the rest of the request; `requireScope` on each route
 * answers 403 when the key lacks the scope. Keys are never logged, only their ids.
 */
import type { RequestHandler, Response } from 'express';
import { grants, type ApiKeyScope } from '../access/scopes';
import type { ApiKeyIdentity, KeyVerifier } from '../access/verifier';
import { HttpError } from '../lib/http-error';

export function authenticate(verifier: KeyVerifier): RequestHandler {
  return async (req, res, next) => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!m) throw new HttpError(401, 'unauthorized', 'Authorization: Bearer <api key> is required');
    const key = await verifier.verify(m[1]!);
    if (!key) throw new HttpError(401, 'unauthorized', 'Unknown or revoked API key');
    res.locals.apiKey = key;
    res.locals.actor = `key:${key.id}`;
    next();
  };
}

/**
 * Put on every `/v1` route, before its handler (`mount` in api/declared-route.ts does, from the route's declared scope).
 * Not `router.use(requireScope(…))` in a router mounted without a path: that would run for every
 * request passing through the router, including other routers' routes.
 */
export function requireScope(scope: ApiKeyScope): RequestHandler {
  return (_req, res, next) => {
    const key = apiKeyOf(res);
    if (!key) throw new HttpError(401, 'unauthorized', 'Authorization: Bearer <api key> is required');
    if (!grants(key.scopes, scope)) throw new HttpError(403, 'forbidden', `this key lacks the ${scope} scope`);
    next();
  };
}

export function apiKeyOf(res: Response): ApiKeyIdentity | undefined {
  return res.locals.apiKey as ApiKeyIdentity | undefined;
}

/** Who made this request, for audit rows: `key:<id>` of its API key. */
export function actorOf(res: Response): string {
  return typeof res.locals.actor === 'string' ? res.locals.actor : 'api';
}
