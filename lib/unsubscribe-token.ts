/**
 * Unsubscribe links: `<public url>/unsubscribe?token=<payload>.<mac>`. The token names one customer
 * and one channel and carries an HMAC-SHA256 under CASCADE_UNSUBSCRIBE_SECRET, so nobody can
 * unsubscribe someone else by editing the link. It does not expire: a link in a years-old email
 * must still work (RFC 8058 asks senders to honour it).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Channel } from '../workflows/contract';

const CHANNELS: readonly Channel[] = ['email', 'sms', 'push', 'webhook'];

export interface UnsubscribeSubject {
  customerId: string;
  channel: Channel;
}

// The purpose label keeps these MACs from being valid for any other use of the same secret.
const mac = (secret: string, { customerId, channel }: UnsubscribeSubject) =>
  createHmac('sha256', secret).update(`cascade-unsubscribe\n${channel}\n${customerId}`).digest();

export function createUnsubscribeToken(secret: string, subject: UnsubscribeSubject): string {
  const payload = Buffer.from(`${subject.channel}:${subject.customerId}`, 'utf8').toString('base64url');
  return `${payload}.${mac(secret, subject).toString('base64url')}`;
}

/** The subject of a genuine token; null for anything forged, truncated or malformed. */
export function verifyUnsubscribeToken(secret: string, token: unknown): UnsubscribeSubject | null {
  if (typeof token !== 'string' || token.length > 2048) return null;
  const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64url').toString('utf8');
  const colon = decoded.indexOf(':');
  const channel = decoded.slice(0, colon) as Channel;
  const customerId = decoded.slice(colon + 1);
  if (colon < 0 || !CHANNELS.includes(channel) || !customerId) return null;
  const subject = { customerId, channel };
  const given = Buffer.from(m[2]!, 'base64url');
  const expected = mac(secret, subject);
  return given.length === expected.length && timingSafeEqual(given, expected) ? subject : null;
}

/** The link builder the send activity gets: `(customerId, channel) => url`. */
export function unsubscribeLinks(publicUrl: string, secret: string): (customerId: string, channel: string) => string {
  const base = publicUrl.replace(/\/+$/, '');
  return (customerId, channel) => {
    if (!CHANNELS.includes(channel as Channel)) throw new Error(`No unsubscribe link for channel ${channel}`);
    return `${base}/unsubscribe?token=${createUnsubscribeToken(secret, { customerId, channel: channel as Channel })}`;
  };
}

/** Refuses secrets too short to resist guessing; the same rule for the API and the worker. */
export function requireUnsubscribeSecret(secret: string | undefined): string {
  if (!secret) {
    throw new Error('CASCADE_UNSUBSCRIBE_SECRET is required: unsubscribe links are signed with it (npm start generates one under .data/)');
  }
  if (secret.length < 32) throw new Error('CASCADE_UNSUBSCRIBE_SECRET must be at least 32 characters');
  return secret;
}
