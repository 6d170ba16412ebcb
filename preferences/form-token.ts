/**
 * CSRF protection for the preference form. The page carries a form token that is an HMAC of the
 * signed link token it was served for, so a form posted from anywhere else (or from another
 * customer's page) carries no token, or one that does not match, and is refused. Stateless: the
 * page needs no cookie or session, and works without JavaScript.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function formToken(secret: string, linkToken: string): string {
  return createHmac('sha256', secret).update(`cascade-preferences-form\n${linkToken}`).digest('base64url');
}

export function formTokenValid(secret: string, linkToken: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const expected = Buffer.from(formToken(secret, linkToken));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
