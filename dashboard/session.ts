/**
 * The dashboard's cookies. After sign-in the browser holds a random session id (the session itself
 * is on the server: access/dashboard-sessions.ts), in a cookie the page's scripts cannot read
 * (HttpOnly), that no other site's request carries (SameSite=Strict), scoped to /dashboard, that the
 * browser drops when the session expires (Max-Age), and that travels only over https (Secure) when
 * CASCADE_PUBLIC_URL is https or the page came over https. The API key is never put in a cookie or
 * a URL: it is posted once, in the login form's body.
 *
 * Forms carry a token as well (defence in depth behind SameSite): before sign-in a random token in a
 * cookie and in the form must match (double submit); after it, an HMAC of the session id, which a
 * page on another site cannot compute.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

export const SESSION_COOKIE = 'cascade_dashboard';
export const LOGIN_COOKIE = 'cascade_dashboard_login';
const PATH = '/dashboard';

export interface DashboardCookies {
  /** The session id the browser sent, if any. */
  sessionOf(req: Request): string | undefined;
  startSession(req: Request, res: Response, sessionId: string, maxAgeMs: number): void;
  endSession(req: Request, res: Response): void;
  /** The login form's token: a fresh random one, also set as a cookie the form's POST must bring back. */
  issueLoginToken(req: Request, res: Response): string;
  loginTokenValid(req: Request, given: string): boolean;
}

/** The cookies of a site whose public address is `publicUrl` (CASCADE_PUBLIC_URL). */
export function dashboardCookies(publicUrl?: string): DashboardCookies {
  const httpsSite = publicUrl !== undefined && new URL(publicUrl).protocol === 'https:';
  const options = (req: Request) => {
    // Behind a TLS-terminating proxy, req.secure reads its X-Forwarded-Proto when CASCADE_TRUST_PROXY trusts it.
    const https = httpsSite || req.secure;
    return { httpOnly: true, sameSite: 'strict' as const, secure: https, path: PATH };
  };
  return {
    sessionOf: (req) => cookieOf(req, SESSION_COOKIE),
    startSession(req, res, sessionId, maxAgeMs) {
      res.clearCookie(LOGIN_COOKIE, options(req));
      res.cookie(SESSION_COOKIE, sessionId, { ...options(req), maxAge: maxAgeMs });
    },
    endSession(req, res) {
      res.clearCookie(SESSION_COOKIE, options(req));
    },
    issueLoginToken(req, res) {
      const token = randomBytes(18).toString('base64url');
      res.cookie(LOGIN_COOKIE, token, options(req));
      return token;
    },
    loginTokenValid: (req, given) => same(cookieOf(req, LOGIN_COOKIE), given),
  };
}

/** One cookie's value from the request's Cookie header (the app has no cookie parser: two cookies are all it reads). */
function cookieOf(req: Request, name: string): string | undefined {
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

/** The token of forms shown to a signed-in person (sign out): bound to their session. */
export function sessionFormToken(sessionId: string): string {
  return createHmac('sha256', sessionId).update('cascade-dashboard-form').digest('base64url');
}

export function sessionFormTokenValid(sessionId: string, given: string): boolean {
  return same(sessionFormToken(sessionId), given);
}

function same(expected: string | undefined, given: string): boolean {
  if (!expected) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
