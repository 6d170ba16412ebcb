/** Bearer API keys. Keys are compared as SHA-256 digests in constant time and never logged. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { HttpError } from './errors';

const digest = (key: string) => createHash('sha256').update(key).digest();

export function requireApiKey(keys: string[]): RequestHandler {
  const digests = keys.map(digest);
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new HttpError(401, 'unauthorized', 'Authorization: Bearer <api key> is required');
    const given = digest(m[1]!);
    const known = digests.find((d) => timingSafeEqual(d, given));
    if (!known) throw new HttpError(401, 'unauthorized', 'Unknown API key');
    // A short digest prefix names the key in audit rows and logs without revealing it.
    res.locals.actor = `key:${known.toString('hex').slice(0, 8)}`;
    next();
  };
}

/** Who made this request, for audit rows: the API key's id. */
export function actorOf(res: Response): string {
  return typeof res.locals.actor === 'string' ? res.locals.actor : 'api';
}
