/**
 * May this customer be sent this message on this channel now? Consent, address, suppression and the
 * frequency cap, in that order. Runs inside the send transaction, under the customer's advisory
 * lock, so two journeys racing for the last slot under the cap cannot both win.
 */
import { msToNumber } from '@temporalio/common/lib/time';
import { and, count, desc, eq, gt, inArray } from 'drizzle-orm';
import type { Tx } from '../db/client';
import { consents, customers, messages, pushTokens, suppressions } from '../db/schema';
import type { Channel, SendRequest, SkipReason } from '../workflows/contract';

export interface Cap {
  limit: number;
  windowMs: number;
}
export type Caps = Partial<Record<Channel, Cap>>;

/** `email:2/1d,sms:1/1d` — marketing messages per customer per channel per rolling window. */
export function parseCaps(text: string): Caps {
  const caps: Caps = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(email|sms|push|webhook):(\d+)\/(.+)$/.exec(part);
    if (!m) throw new Error(`CASCADE_FREQUENCY_CAPS: cannot read "${part}" (expected channel:count/window, e.g. email:2/1d)`);
    caps[m[1] as Channel] = { limit: Number(m[2]), windowMs: msToNumber(m[3] as `${number}d`) };
  }
  return caps;
}

export const DEFAULT_CAPS = 'email:2/1d,sms:1/1d,push:3/1d';

/** Statuses that count against the cap: anything that left, or may have left, the building. */
const COUNTED = ['pending', 'sent', 'delivered', 'opened', 'clicked', 'bounced', 'complained'] as const;

export type Eligibility = { ok: true; to: string } | { ok: false; reason: SkipReason; to: string | null };

export async function checkEligibility(
  tx: Tx,
  req: SendRequest,
  requestedAt: Date,
  caps: Caps,
  webhookUrl: string | undefined,
): Promise<Eligibility> {
  const [customer] = await tx.select().from(customers).where(eq(customers.id, req.customerId));
  if (!customer) return { ok: false, reason: 'no_address', to: null };

  if (!req.transactional) {
    const [consent] = await tx
      .select({ granted: consents.granted })
      .from(consents)
      .where(and(eq(consents.customerId, req.customerId), eq(consents.channel, req.channel)));
    if (!consent?.granted) return { ok: false, reason: 'no_consent', to: null };
  }

  const to = await addressFor(tx, req.channel, customer, webhookUrl);
  if (!to) return { ok: false, reason: 'no_address', to: null };

  const [suppressed] = await tx
    .select({ reason: suppressions.reason })
    .from(suppressions)
    .where(and(eq(suppressions.channel, req.channel), eq(suppressions.address, normaliseAddress(req.channel, to))));
  // An unsubscribe stops marketing only; order and service messages still go (bounces and complaints stop all).
  if (suppressed && !(req.transactional && suppressed.reason === 'unsubscribe')) return { ok: false, reason: 'suppressed', to };

  const cap = caps[req.channel];
  if (!req.transactional && cap) {
    const [used] = await tx
      .select({ n: count() })
      .from(messages)
      .where(
        and(
          eq(messages.customerId, req.customerId),
          eq(messages.channel, req.channel),
          eq(messages.transactional, false),
          inArray(messages.status, [...COUNTED]),
          gt(messages.requestedAt, new Date(requestedAt.getTime() - cap.windowMs)),
        ),
      );
    if ((used?.n ?? 0) >= cap.limit) return { ok: false, reason: 'frequency_cap', to };
  }
  return { ok: true, to };
}

async function addressFor(
  tx: Tx,
  channel: Channel,
  customer: typeof customers.$inferSelect,
  webhookUrl: string | undefined,
): Promise<string | null> {
  switch (channel) {
    case 'email':
      return customer.email;
    case 'sms':
      return customer.phone;
    case 'webhook':
      return webhookUrl ?? null;
    case 'push': {
      const [token] = await tx
        .select({ token: pushTokens.token })
        .from(pushTokens)
        .where(eq(pushTokens.customerId, customer.id))
        .orderBy(desc(pushTokens.createdAt))
        .limit(1);
      return token?.token ?? null;
    }
  }
}

export function normaliseAddress(channel: Channel, address: string): string {
  return channel === 'email' ? address.trim().toLowerCase() : address.trim();
}
