/** Everything Cascade holds on one customer, table by table, for GET /v1/customers/:id/export. */
import { asc, eq, inArray, or } from 'drizzle-orm';
import type { Db } from '../client';
import {
  consentChanges,
  consents,
  customerMerges,
  customers,
  events,
  journeyRuns,
  messageEvents,
  messages,
  orders,
  pushTokens,
  suppressions,
  telegramChats,
} from '../schema';

export async function customerRecords(db: Db, customerId: string) {
  const [customer] = await db.select().from(customers).where(eq(customers.id, customerId));
  if (!customer) return undefined;
  const ledger = await db.select().from(messages).where(eq(messages.customerId, customerId)).orderBy(asc(messages.id));
  const addresses = [customer.email?.trim().toLowerCase(), customer.phone?.trim()].filter((a): a is string => !!a);
  const [telegram, tokens, consentRows, history, eventRows, orderRows, reports, runs, suppressed, merges] = await Promise.all([
    db.select().from(telegramChats).where(eq(telegramChats.customerId, customerId)),
    db.select().from(pushTokens).where(eq(pushTokens.customerId, customerId)),
    db.select().from(consents).where(eq(consents.customerId, customerId)),
    db.select().from(consentChanges).where(eq(consentChanges.customerId, customerId)).orderBy(asc(consentChanges.id)),
    db.select().from(events).where(eq(events.customerId, customerId)).orderBy(asc(events.seq)),
    db.select().from(orders).where(eq(orders.customerId, customerId)).orderBy(asc(orders.placedAt)),
    ledger.length
      ? db.select().from(messageEvents).where(inArray(messageEvents.messageId, ledger.map((m) => m.id))).orderBy(asc(messageEvents.id))
      : Promise.resolve([]),
    db.select().from(journeyRuns).where(eq(journeyRuns.customerId, customerId)).orderBy(asc(journeyRuns.startedAt)),
    addresses.length ? db.select().from(suppressions).where(inArray(suppressions.address, addresses)) : Promise.resolve([]),
    db.select().from(customerMerges).where(or(eq(customerMerges.sourceId, customerId), eq(customerMerges.targetId, customerId))),
  ]);
  return { customer, telegram: telegram[0] ?? null, pushTokens: tokens, consents: consentRows, consentHistory: history, events: eventRows, orders: orderRows, ledger, reports, runs, suppressions: suppressed, merges };
}
