/**
 * The dashboard's sign-in: the API key a person typed into the login form, kept in a cookie the page's
 * scripts cannot read (HttpOnly), that no other site's request carries (SameSite=Strict), only over
 * https when the page came over https (Secure), scoped to /dashboard and gone when the browser closes.
 * The key is never put in a URL. Every request verifies it again with the API's own verifier, so a
 * revoked key is signed out as it would be refused on /v1.
 *
 * Forms carry a token as well (defence in depth behind SameSite): before sign-in a random token in a
 * cookie and in the form must match (double submit); after it, an HMAC of the signed-in key, which a
 * page on another site cannot compute.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

export const SESSION_COOKIE = 'cascade_dashboard';
export const LOGIN_COOKIE = 'cascade_dashboard_login';
const PATH = '/dashboard';

function cookieOptions(req: Request) {
  // Behind a TLS-terminating proxy, req.secure reads its X-Forwarded-Proto when CASCADE_TRUST_PROXY trusts it.
  return { httpOnly: true, sameSite: 'strict' as const, secure: req.secure, path: PATH };
}

/** One cookie's value from the request's Cookie header (the app has no cookie parser: two cookies are all it reads). */
export function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function startSession(req: Request, res: Response, key: string): void {
  res.clearCookie(LOGIN_COOKIE, cookieOptions(req));
  res.cookie(SESSION_COOKIE, key, cookieOptions(req));
}

export function endSession(req: Request, res: Response): void {
  res.clearCookie(SESSION_COOKIE, cookieOptions(req));
}

/** The login form's token: a fresh random one, also set as a cookie the form's POST must bring back. */
export function issueLoginToken(req: Request, res: Response): string {
  const token = randomBytes(18).toString('base64url');
  res.cookie(LOGIN_COOKIE, token, cookieOptions(req));
  return token;
}

export function loginTokenValid(req: Request, given: string): boolean {
  return same(cookieOf(req, LOGIN_COOKIE), given);
}

/** The token of forms shown to a signed-in person (sign out): bound to their key. */
export function sessionFormToken(key: string): string {
  return createHmac('sha256', key).update('cascade-dashboard-form').digest('base64url');
}

export function sessionFormTokenValid(key: string, given: string): boolean {
  return same(sessionFormToken(key), given);
}

function same(expected: string | undefined, given: string): boolean {
  if (!expected) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
