/**
 * Requests per client address to every route outside `/v1` (CASCADE_PUBLIC_RATE_LIMIT, default
 * `6000/1m`): unsubscribe and preference pages, provider webhooks, /healthz (a database and a
 * Temporal call each), /metrics, /openapi.json, the dashboard, and paths that match nothing. `/v1`
 * has its own limits (failed authentications per address, requests per key). The default is
 * generous on purpose: a person's browser never comes near 100 a second, nor does a probe or a
 * scraper; a provider's webhook burst from one address rarely does, and when it does, Resend (Svix)
 * retries a 429 later and the SMSC poller fetches a status whose callback was refused
 * (reports/jobs.ts). What it stops is one address flooding the public routes.
 *
 * The address is `req.ip`: behind a proxy, CASCADE_TRUST_PROXY must name it, or every client shares
 * the proxy's count. Counts live in this process's memory.
 */
import type { RequestHandler } from 'express';
import { rateLimit as expressRateLimit } from 'express-rate-limit';
import { HttpError } from '../../lib/http-error';
import { logger } from '../../lib/logger';
import type { RateLimit } from '../rate-limit';
import { addressOf } from './failed-auth';

const underV1 = (path: string) => path === '/v1' || path.startsWith('/v1/');

export function limitPublicRoutes({ limit, windowMs }: RateLimit): RequestHandler {
  return expressRateLimit({
    limit,
    windowMs,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skip: (req) => underV1(req.path),
    // The default key: req.ip (an IPv6 by its /56), with the library's warnings about proxy headers it sees but may not trust.
    handler: (req, _res, next) => {
      const info = (req as { rateLimit?: { used: number } }).rateLimit;
      if (info?.used === limit + 1) logger.warn({ address: addressOf(req), limit, windowMs }, 'public routes rate limited');
      next(new HttpError(429, 'rate_limited', `This address may make ${limit} requests per ${windowMs / 1000} s to the public routes; retry after the Retry-After seconds`));
    },
    logger,
  });
}
