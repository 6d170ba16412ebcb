/**
 * May this customer be sent this message on this channel now? Consent, address, suppression and the
 * frequency cap, in that order. Runs inside the send transaction, under the customer's advisory
 * lock, so two journeys racing for the last slot under the cap cannot both win.
 */
import { eq, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../db/client';
import { customers, pushTokens } from '../db/schema';
import type { SendRequest, SkipReason } from '../workflows/contract';
import { addressFor, personalAddressSql } from './address';
import { capReached, type Caps } from './caps';
import { consentFor, consentGrantedSql } from './consents';
import { suppressedSql, suppressionOf } from './suppressions';

/** An eligible send carries the customer row it was decided on, so the pipeline renders from it without reading it again. */
export type Eligibility =
  | { ok: true; to: string; customer: typeof customers.$inferSelect }
  | { ok: false; reason: SkipReason; to: string | null };

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
    // The send's topic decides; a send without one (a journey outside the registry) has only the channel's `*`.
    const consent = await consentFor(tx, req.customerId, req.channel, req.topic);
    if (!consent?.granted) return { ok: false, reason: 'no_consent', to: null };
  }

  const to = await addressFor(tx, req.channel, customer, webhookUrl);
  if (!to) return { ok: false, reason: 'no_address', to: null };

  const suppressed = await suppressionOf(tx, req.channel, to);
  // An unsubscribe stops marketing only; order and service messages still go (bounces and complaints stop all).
  if (suppressed && !(req.transactional && suppressed.reason === 'unsubscribe')) return { ok: false, reason: 'suppressed', to };

  const cap = caps[req.channel];
  if (!req.transactional && cap && (await capReached(tx, req.customerId, req.channel, requestedAt, cap))) {
    return { ok: false, reason: 'frequency_cap', to };
  }
  return { ok: true, to, customer };
}

/**
 * The customers a marketing send on this channel and topic would reach, as a SQL condition on
 * `customers` (segments' `{ "consent": … }`): consent, an address, not suppressed, the checks
 * above minus the frequency cap (a property of the moment of sending, not of the audience). Push
 * needs a token; the webhook's URL is the shop's, so consent alone decides there.
 */
export function reachableForMarketingSql(channel: SendRequest['channel'], topic?: string): SQL {
  const consent = consentGrantedSql(channel, topic);
  const address = personalAddressSql(channel);
  if (address) return sql`(${consent} and ${address} <> '' and not ${suppressedSql(channel, address)})`;
  if (channel === 'push') return sql`(${consent} and exists (select 1 from ${pushTokens} where ${pushTokens.customerId} = ${customers.id}))`;
  return consent;
}
