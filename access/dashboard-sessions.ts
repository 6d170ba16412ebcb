/**
 * Dashboard sessions, kept on the server. Signing in stores a row for a random session id (32
 * bytes): the browser's cookie holds the id, the table only its SHA-256, so neither the cookie nor a
 * copy of the database holds anything that opens /v1. A session lasts `DASHBOARD_SESSION_MS` from
 * sign-in and belongs to the key signed in with: every request looks the row up and asks the
 * verifier whether that key is still valid and may read, so an expired session, a revoked key or an
 * environment key no longer in CASCADE_API_KEYS signs the person out (and deletes the row).
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/client';
import { dashboardSessionByDigest, deleteDashboardSession, insertDashboardSession } from '../db/queries/dashboard-sessions';
import { digestOf } from './key-secret';
import { grants, type ApiKeyScope } from './scopes';
import type { ApiKeyIdentity, KeyVerifier } from './verifier';

/** A working day: long enough not to sign a person out over lunch, short enough that a stolen cookie fades. */
export const DASHBOARD_SESSION_MS = 12 * 60 * 60_000;
/** The dashboard only reads. */
export const DASHBOARD_SCOPE: ApiKeyScope = 'read';
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export function mayUseDashboard(identity: ApiKeyIdentity): boolean {
  return grants(identity.scopes, DASHBOARD_SCOPE);
}

/** A new session for a key already verified; the id goes to the browser and nowhere else. */
export async function openDashboardSession(db: Db, keyId: string, now = new Date()): Promise<{ sessionId: string; expiresAt: Date }> {
  const sessionId = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + DASHBOARD_SESSION_MS);
  await insertDashboardSession(db, { digest: digestOf(sessionId), keyId, createdAt: now, expiresAt });
  return { sessionId, expiresAt };
}

/** The key behind a live session, or undefined (and the row deleted) when the session or its key is over. */
export async function dashboardSessionIdentity(db: Db, verifier: KeyVerifier, sessionId: string, now = new Date()): Promise<ApiKeyIdentity | undefined> {
  // Anything else (an old cookie that held a key) is no session: refused without a query.
  if (!SESSION_ID.test(sessionId)) return undefined;
  const digest = digestOf(sessionId);
  const row = await dashboardSessionByDigest(db, digest);
  if (!row) return undefined;
  const identity = row.expiresAt > now ? await verifier.identityOf(row.keyId) : undefined;
  if (identity && mayUseDashboard(identity)) return identity;
  await deleteDashboardSession(db, digest);
  return undefined;
}

export async function closeDashboardSession(db: Db, sessionId: string): Promise<void> {
  if (SESSION_ID.test(sessionId)) await deleteDashboardSession(db, digestOf(sessionId));
}
