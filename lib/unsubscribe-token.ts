/**
 * Unsubscribe links: `<public url>/unsubscribe?token=<payload>.<mac>`. The token names one customer,
 * one channel and the message's topic, and the moment it was minted (the message's), and carries an
 * HMAC-SHA256 under CASCADE_UNSUBSCRIBE_SECRET, so nobody can unsubscribe someone else (or from
 * another topic), or make a link look newer, by editing it. It never expires for withdrawing: a link
 * in a years-old email must still work (RFC 8058 asks senders to honour it), which is also why
 * tokens minted before topics (no topic) or before they carried their time (no time) still verify.
 * Granting is another matter: a forwarded or archived link is not the customer's word today, so
 * only a recent link may grant (contactability/link-grants.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Channel } from '../workflows/contract';

const CHANNELS: readonly Channel[] = ['email', 'sms', 'push', 'webhook', 'telegram'];
/** Topics are journey option ids (kebab-case); never a colon, so the payload splits unambiguously. */
const TOPIC = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** Marks a payload that names a topic; no channel is called that, so an old payload never reads as one. */
const WITH_TOPIC = 't';
/** Marks a payload that carries its minting time (and a topic, or `*` for every topic). */
const DATED = 'd';
const EVERY = '*';

export interface UnsubscribeSubject {
  customerId: string;
  channel: Channel;
  /** The message's topic; null for a link minted before topics: every topic of the channel. */
  topic: string | null;
  /** When the link was minted, to the second; null for a link minted before links carried it. */
  issuedAt: Date | null;
}

// The purpose labels keep these MACs from being valid for any other use of the same secret, and one
// payload form's MAC from being valid for another's.
const mac = (secret: string, { customerId, channel, topic, issuedAt }: UnsubscribeSubject) =>
  createHmac('sha256', secret)
    .update(
      issuedAt !== null
        ? `cascade-unsubscribe-dated\n${issuedAt.getTime() / 1000}\n${channel}\n${topic ?? EVERY}\n${customerId}`
        : topic === null
          ? `cascade-unsubscribe\n${channel}\n${customerId}`
          : `cascade-unsubscribe-topic\n${channel}\n${topic}\n${customerId}`,
    )
    .digest();

/** A token for the subject; `issuedAt` defaults to now, and null mints the undated form links had before (tests of old links). */
export function createUnsubscribeToken(
  secret: string,
  subject: { customerId: string; channel: Channel; topic?: string | null; issuedAt?: Date | null },
): string {
  const issuedAt = subject.issuedAt === null ? null : new Date(Math.floor((subject.issuedAt ?? new Date()).getTime() / 1000) * 1000);
  const full: UnsubscribeSubject = { customerId: subject.customerId, channel: subject.channel, topic: subject.topic ?? null, issuedAt };
  if (full.topic !== null && !TOPIC.test(full.topic)) throw new Error(`Not a topic id: ${full.topic}`);
  const text =
    issuedAt !== null
      ? `${DATED}:${issuedAt.getTime() / 1000}:${full.channel}:${full.topic ?? EVERY}:${full.customerId}`
      : full.topic === null
        ? `${full.channel}:${full.customerId}`
        : `${WITH_TOPIC}:${full.channel}:${full.topic}:${full.customerId}`;
  return `${Buffer.from(text, 'utf8').toString('base64url')}.${mac(secret, full).toString('base64url')}`;
}

function decode(payload: string): UnsubscribeSubject | null {
  const parts = Buffer.from(payload, 'base64url').toString('utf8').split(':');
  if (parts[0] === DATED) {
    const [, seconds, channel, topic] = parts;
    const customerId = parts.slice(4).join(':'); // a customer id may hold colons
    if (!/^\d{1,12}$/.test(seconds ?? '') || !CHANNELS.includes(channel as Channel) || !customerId) return null;
    if (topic !== EVERY && !TOPIC.test(topic ?? '')) return null;
    return { customerId, channel: channel as Channel, topic: topic === EVERY ? null : topic!, issuedAt: new Date(Number(seconds) * 1000) };
  }
  const withTopic = parts[0] === WITH_TOPIC;
  const [channel, topic] = withTopic ? [parts[1], parts[2]] : [parts[0], null];
  const customerId = parts.slice(withTopic ? 3 : 1).join(':');
  if (!CHANNELS.includes(channel as Channel) || !customerId) return null;
  if (withTopic && !TOPIC.test(topic ?? '')) return null;
  return { customerId, channel: channel as Channel, topic: topic ?? null, issuedAt: null };
}

/** The subject of a genuine token; null for anything forged, truncated or malformed. */
export function verifyUnsubscribeToken(secret: string, token: unknown): UnsubscribeSubject | null {
  if (typeof token !== 'string' || token.length > 2048) return null;
  const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return null;
  const subject = decode(m[1]!);
  if (!subject) return null;
  // Compared as text: the last of 43 characters carries two spare bits, so a decoder would take
  // four spellings of one MAC, and a token altered there would still pass.
  const given = Buffer.from(m[2]!);
  const expected = Buffer.from(mac(secret, subject).toString('base64url'));
  return given.length === expected.length && timingSafeEqual(given, expected) ? subject : null;
}

/** A message's link; `issuedAt` is the message's own time, so every retry of a send carries the same link. */
export type UnsubscribeUrl = (customerId: string, channel: string, topic?: string | null, issuedAt?: Date) => string;

/** The link builder the send activity gets: `(customerId, channel, topic, issuedAt) => url`. */
export function unsubscribeLinks(publicUrl: string, secret: string): UnsubscribeUrl {
  const base = publicUrl.replace(/\/+$/, '');
  return (customerId, channel, topic, issuedAt) => {
    if (!CHANNELS.includes(channel as Channel)) throw new Error(`No unsubscribe link for channel ${channel}`);
    return `${base}/unsubscribe?token=${createUnsubscribeToken(secret, { customerId, channel: channel as Channel, topic, issuedAt })}`;
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
