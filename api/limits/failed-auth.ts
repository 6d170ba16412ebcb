/**
 * Failed authentications per client address, in front of `/v1` and the dashboard's sign-in
 * (CASCADE_FAILED_AUTH_LIMIT, default `30/1m`). An address whose keys were refused (401) `limit`
 * times within the window is answered 429 `rate_limited` with `Retry-After`, before any key it brings
 * is looked at, until the window ends: guessing costs neither a digest lookup nor a log line more.
 * Only refusals count, once answered: a correct client's requests never do, however many run at once
 * (express-rate-limit's middleware counts every request as it arrives and takes successes back at the
 * end, which would refuse a busy correct client; its store is used directly instead). A client that
 * keeps sending a revoked key also holds back the others behind its address until the window ends.
 *
 * The address is `req.ip`: behind a proxy, CASCADE_TRUST_PROXY must name it, or every client counts
 * as the proxy. Counts live in this process's memory.
 */
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, MemoryStore, type Options } from 'express-rate-limit';
import { HttpError } from '../../lib/http-error';
import { logger } from '../../lib/logger';
import type { RateLimit } from '../rate-limit';

/** The client's address; IPv6 by its /56, which one subscriber usually holds whole. */
export function addressOf(req: Request): string {
  return ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}

export function limitFailedAuth({ limit, windowMs }: RateLimit): RequestHandler {
  const store = new MemoryStore();
  // The store reads only the window from the middleware's options.
  store.init({ windowMs } as Options);
  return async (req, res, next) => {
    const address = addressOf(req);
    const seen = await store.get(address);
    if (seen && seen.totalHits >= limit) {
      const resetAt = seen.resetTime?.getTime() ?? Date.now() + windowMs;
      res.set('retry-after', String(Math.max(1, Math.ceil((resetAt - Date.now()) / 1000))));
      throw new HttpError(429, 'rate_limited', `Too many failed authentications from this address (${limit} per ${windowMs / 1000} s); retry after the Retry-After seconds`);
    }
    res.once('finish', () => {
      if (res.statusCode !== 401) return;
      store.increment(address).then(
        // Once per window and address, not once per refusal.
        ({ totalHits }) => totalHits === limit && logger.warn({ address, limit, windowMs }, 'failed authentications limited'),
        (err: unknown) => logger.warn({ err }, 'could not count a failed authentication'),
      );
    });
    next();
  };
}
