/**
 * May this customer be sent this message on this channel now? Consent, address, suppression, the
 * sunset policy (marketing email to addresses that stopped opening: sunset.ts) and the frequency
 * cap, in that order. The facts are read in one statement with the send's ledger row; a
 * send a cap holds to reads them inside the send transaction under the customer's advisory lock,
 * so two journeys racing for the last slot under the cap cannot both win.
 */
import { eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { customers, messages, pushTokens, suppressions } from '../db/schema';
import { channels, type Channel, type SendRequest, type SkipReason } from '../workflows/contract';
import { normaliseAddressSql, personalAddressSql, sendAddressSql } from './address';
import { capUsedSql, type Cap, type Caps } from './caps';
import { consentGrantedSql } from './consent-rule';
import { suppressedSql, type SuppressionReason } from './suppressions';
import { sunsetSql } from './sunset';
import { erasedObjectionSql } from './erased-addresses';

type Customer = typeof customers.$inferSelect;
type Message = typeof messages.$inferSelect;

/** An eligible send carries the customer row it was decided on, so the pipeline renders from it without reading it again. */
export type Eligibility =
  | { ok: true; to: string; customer: Customer }
  | { ok: false; reason: SkipReason; to: string | null };

/** What a send is decided on: its ledger row (an earlier attempt's), and the customer's contactability. */
export interface SendFacts {
  ledgerRow: Message | null;
  customer: Customer | null;
  consented: boolean;
  to: string | null;
  suppression: SuppressionReason | null;
  /** Marketing messages already in the cap's window (0 when no cap applies). */
  capUsed: number;
  /** Held by the sunset policy (false when it is off or does not apply to the send). */
  sunset: boolean;
}

/** The send's facts in one statement: the customer, its consent, address, suppression, sunset and cap count, and the ledger row by key. */
export async function readSendFacts(
  tx: Db,
  req: SendRequest,
  requestedAt: Date,
  policy: { caps: Caps; sunsetDays?: number; webhookUrl?: string },
): Promise<SendFacts> {
  const { caps, webhookUrl } = policy;
  const to = sendAddressSql(req.channel, webhookUrl);
  const cap = capFor(req, caps);
  const [row] = await tx
    .select({
      customer: customers,
      ledgerRow: messages,
      consented: sql<boolean>`${consentGrantedSql(req.channel, req.topic)}`,
      to,
      // An address erased with an objection counts as unsubscribed (contactability/erased-addresses.ts).
      suppression: sql<SuppressionReason | null>`coalesce((select ${suppressions.reason} from ${suppressions} where ${suppressions.channel} = ${req.channel} and ${suppressions.address} = ${normaliseAddressSql(req.channel, to)}),
        case when ${erasedObjectionSql(req.channel, normaliseAddressSql(req.channel, to))} then 'unsubscribe' end)`,
      capUsed: cap ? capUsedSql(req.customerId, req.channel, requestedAt, cap) : sql<number>`0`.mapWith(Number),
      sunset: sunsetSql(req, requestedAt, policy.sunsetDays),
    })
    .from(customers)
    .leftJoin(messages, eq(messages.idempotencyKey, req.idempotencyKey))
    .where(eq(customers.id, req.customerId));
  if (row) return row;
  // The customer is gone: an earlier attempt's row still answers a retry.
  const [ledgerRow] = await tx.select().from(messages).where(eq(messages.idempotencyKey, req.idempotencyKey));
  return { ledgerRow: ledgerRow ?? null, customer: null, consented: false, to: null, suppression: null, capUsed: 0, sunset: false };
}

/** The frequency cap a send is held to: marketing only. */
export function capFor(req: SendRequest, caps: Caps): Cap | undefined {
  return req.transactional ? undefined : caps[req.channel];
}

/**
 * The verdict on the facts. `counted`: whether the cap is asked (a retry's row was counted when it
 * was written, so a retry is not held to it again).
 */
export function judgeEligibility(facts: SendFacts, req: SendRequest, caps: Caps, counted: boolean): Eligibility {
  const { customer, to } = facts;
  if (!customer) return { ok: false, reason: 'no_address', to: null };
  // The send's topic decides; a send without one (a journey outside the registry) has only the channel's `*`.
  if (!req.transactional && !facts.consented) return { ok: false, reason: 'no_consent', to: null };
  if (!to) return { ok: false, reason: 'no_address', to: null };
  // An unsubscribe stops marketing only; order and service messages still go (bounces and complaints stop all).
  if (facts.suppression && !(req.transactional && facts.suppression === 'unsubscribe')) return { ok: false, reason: 'suppressed', to };
  if (facts.sunset) return { ok: false, reason: 'sunset', to };
  const cap = capFor(req, caps);
  if (counted && cap && facts.capUsed >= cap.limit) return { ok: false, reason: 'frequency_cap', to };
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

/**
 * The channels a marketing send on this topic would reach now (`reachableForMarketingSql` on each),
 * as one text[] column: the profile's `reachable`. The webhook counts only where one is configured.
 */
export function reachableChannelsSql(topic: string | undefined, webhookUrl: string | undefined): SQL<Channel[]> {
  const open = channels.filter((c) => c !== 'webhook' || webhookUrl);
  const each = open.map((c) => sql`case when ${reachableForMarketingSql(c, topic)} then ${c}::text end`);
  return sql<Channel[]>`array_remove(array[${sql.join(each, sql`, `)}]::text[], null)`;
}
