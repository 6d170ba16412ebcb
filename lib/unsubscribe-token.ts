/**
 * Unsubscribe links: `<public url>/unsubscribe?token=<payload>.<mac>`. The token names one customer,
 * one channel and the message's topic, and carries an HMAC-SHA256 under CASCADE_UNSUBSCRIBE_SECRET,
 * so nobody can unsubscribe someone else (or from another topic) by editing the link. It does not
 * expire: a link in a years-old email must still work (RFC 8058 asks senders to honour it), which is
 * also why tokens minted before topics (no topic) still verify and mean every topic of the channel.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Channel } from '../workflows/contract';

const CHANNELS: readonly Channel[] = ['email', 'sms', 'push', 'webhook'];
/** Topics are journey option ids (kebab-case); never a colon, so the payload splits unambiguously. */
const TOPIC = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** Marks a payload that names a topic; no channel is called that, so an old payload never reads as one. */
const WITH_TOPIC = 't';

export interface UnsubscribeSubject {
  customerId: string;
  channel: Channel;
  /** The message's topic; null for a link minted before topics: every topic of the channel. */
  topic: string | null;
}

// The purpose labels keep these MACs from being valid for any other use of the same secret, and a
// topic token's MAC from being valid for a channel-wide one.
const mac = (secret: string, { customerId, channel, topic }: UnsubscribeSubject) =>
  createHmac('sha256', secret)
    .update(topic === null ? `cascade-unsubscribe\n${channel}\n${customerId}` : `cascade-unsubscribe-topic\n${channel}\n${topic}\n${customerId}`)
    .digest();

export function createUnsubscribeToken(secret: string, subject: { customerId: string; channel: Channel; topic?: string | null }): string {
  const full: UnsubscribeSubject = { ...subject, topic: subject.topic ?? null };
  if (full.topic !== null && !TOPIC.test(full.topic)) throw new Error(`Not a topic id: ${full.topic}`);
  const text = full.topic === null ? `${full.channel}:${full.customerId}` : `${WITH_TOPIC}:${full.channel}:${full.topic}:${full.customerId}`;
  return `${Buffer.from(text, 'utf8').toString('base64url')}.${mac(secret, full).toString('base64url')}`;
}

function decode(payload: string): UnsubscribeSubject | null {
  const parts = Buffer.from(payload, 'base64url').toString('utf8').split(':');
  const withTopic = parts[0] === WITH_TOPIC;
  const [channel, topic] = withTopic ? [parts[1], parts[2]] : [parts[0], null];
  const customerId = parts.slice(withTopic ? 3 : 1).join(':'); // a customer id may hold colons
  if (!CHANNELS.includes(channel as Channel) || !customerId) return null;
  if (withTopic && !TOPIC.test(topic ?? '')) return null;
  return { customerId, channel: channel as Channel, topic: topic ?? null };
}

/** The subject of a genuine token; null for anything forged, truncated or malformed. */
export function verifyUnsubscribeToken(secret: string, token: unknown): UnsubscribeSubject | null {
  if (typeof token !== 'string' || token.length > 2048) return null;
  const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return null;
  const subject = decode(m[1]!);
  if (!subject) return null;
  const given = Buffer.from(m[2]!, 'base64url');
  const expected = mac(secret, subject);
  return given.length === expected.length && timingSafeEqual(given, expected) ? subject : null;
}

export type UnsubscribeUrl = (customerId: string, channel: string, topic?: string | null) => string;

/** The link builder the send activity gets: `(customerId, channel, topic) => url`. */
export function unsubscribeLinks(publicUrl: string, secret: string): UnsubscribeUrl {
  const base = publicUrl.replace(/\/+$/, '');
  return (customerId, channel, topic) => {
    if (!CHANNELS.includes(channel as Channel)) throw new Error(`No unsubscribe link for channel ${channel}`);
    return `${base}/unsubscribe?token=${createUnsubscribeToken(secret, { customerId, channel: channel as Channel, topic })}`;
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
