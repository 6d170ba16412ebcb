/**
 * Bearer API keys (on the Segment routes, HTTP Basic too) and their scopes. `authenticate` (on
 * `/v1`) answers 401 to a request without a known, unrevoked key and names the key for the rest of
 * the request; `requireScope` on each route
 * answers 403 when the key lacks the scope. Keys are never logged, only their ids.
 */
import type { RequestHandler, Response } from 'express';
import { grants, type ApiKeyScope } from '../access/scopes';
import type { ApiKeyIdentity, KeyVerifier } from '../access/verifier';
import { HttpError } from '../lib/http-error';

export function authenticate(verifier: KeyVerifier, opts: { basicAuthUnder?: string } = {}): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const basic = opts.basicAuthUnder !== undefined && req.path.startsWith(opts.basicAuthUnder);
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? (basic ? basicUser(header) : undefined);
    if (!token) {
      throw new HttpError(401, 'unauthorized', basic ? 'Authorization: Basic with the API key as the user name (a Segment write key) is required' : 'Authorization: Bearer <api key> is required');
    }
    const key = await verifier.verify(token);
    if (!key) throw new HttpError(401, 'unauthorized', 'Unknown or revoked API key');
    res.locals.apiKey = key;
    res.locals.actor = `key:${key.id}`;
    next();
  };
}

/**
 * Segment's clients (analytics-node, RudderStack) send the write key as HTTP Basic's user name with
 * an empty password: `opts.basicAuthUnder` is where `authenticate` takes that, besides a bearer.
 */
function basicUser(header: string): string | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header);
  const user = m ? Buffer.from(m[1]!, 'base64').toString('utf8').split(':')[0] : undefined;
  return user || undefined;
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
