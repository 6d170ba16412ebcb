/** Bearer API keys. Keys are compared as SHA-256 digests in constant time and never logged. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError } from './errors';

const digest = (key: string) => createHash('sha256').update(key).digest();

export function requireApiKey(keys: string[]): RequestHandler {
  const digests = keys.map(digest);
  return (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new HttpError(401, 'unauthorized', 'Authorization: Bearer <api key> is required');
    const given = digest(m[1]!);
    if (!digests.some((d) => timingSafeEqual(d, given))) throw new HttpError(401, 'unauthorized', 'Unknown API key');
    next();
  };
}
