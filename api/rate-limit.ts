/**
 * Requests per API key (not per IP: many callers share a NAT, one caller spreads over many hosts).
 * `CASCADE_RATE_LIMIT` is `<requests>/<window>`, e.g. `20/10s`, or `off`. The default, `6000/1m`:
 * 100 requests a second, in bursts of up to 6,000 within the minute. One API process on two cores
 * answers about 740 single events a second (BENCHMARKS.md, acceptance), so a runaway loop on one key
 * takes at most about a seventh of it and the other keys keep theirs; a sender above 100 a second
 * posts `/v1/events/batch` (up to 1,000 events a request) or imports, not one request per event. The
 * bench sets its own (`off`). Over the limit: 429 `rate_limited` with `Retry-After` and the draft-8
 * `RateLimit` headers. Counts live in this process's memory: behind several API processes each
 * counts on its own.
 */
import type { RequestHandler } from 'express';
import { rateLimit as expressRateLimit } from 'express-rate-limit';
import { logger } from '../lib/logger';
import { apiKeyOf } from './auth';
import { HttpError } from '../lib/http-error';

export interface RateLimit {
  limit: number;
  windowMs: number;
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** Undefined for `off`; throws naming the variable on anything it cannot read. */
export function parseRateLimit(text: string, variable = 'CASCADE_RATE_LIMIT'): RateLimit | undefined {
  if (text.trim() === 'off') return undefined;
  const m = /^\s*(\d+)\s*\/\s*(\d*)\s*([smh])\s*$/.exec(text);
  const limit = Number(m?.[1]);
  const windowMs = Number(m?.[2] || 1) * UNIT_MS[m?.[3] as keyof typeof UNIT_MS];
  if (!m || !(limit > 0) || !(windowMs > 0)) {
    throw new Error(`Invalid environment variable ${variable}: expected <requests>/<window> like 600/1m, 20/10s or off; got ${text}`);
  }
  return { limit, windowMs };
}

/** After `authenticate`: every request here has a key. */
export function rateLimitPerKey({ limit, windowMs }: RateLimit): RequestHandler {
  return expressRateLimit({
    limit,
    windowMs,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (_req, res) => apiKeyOf(res)!.id,
    handler: (req, res, next) => {
      const info = (req as { rateLimit?: { used: number } }).rateLimit;
      const keyId = apiKeyOf(res)!.id;
      // Once per window and key, not once per refused request.
      if (info?.used === limit + 1) logger.warn({ keyId, limit, windowMs }, 'api key rate limited');
      next(new HttpError(429, 'rate_limited', `This key may make ${limit} requests per ${windowMs / 1000} s; retry after the Retry-After seconds`));
    },
    logger,
  });
}
