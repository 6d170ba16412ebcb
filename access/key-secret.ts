/**
 * The shape of a key: `csk_<id>_<secret>`. The id is public (logs, audit rows, rate limits, the
 * key list); the secret is 32 random bytes. Only the SHA-256 of the whole key is stored: keys are
 * long random strings, so a fast digest cannot be brute-forced and a slow KDF would only add latency.
 */
import { createHash, randomBytes } from 'node:crypto';

const STORED_KEY = /^csk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/;

export function digestOf(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function newKeySecret(): { id: string; key: string; digest: string } {
  // 12 hex: never the 8 hex that name environment keys, so the two kinds cannot share an id.
  const id = randomBytes(6).toString('hex');
  const key = `csk_${id}_${randomBytes(32).toString('base64url')}`;
  return { id, key, digest: digestOf(key) };
}

/** Whether a bearer token could be a stored key at all: anything else is refused without a query. */
export function looksLikeStoredKey(token: string): boolean {
  return STORED_KEY.test(token);
}
