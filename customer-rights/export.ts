/**
 * GET /v1/customers/:id/export: one JSON document of everything Cascade holds on the customer (a
 * data subject's access request, GDPR art. 15 / 152-FZ art. 14). Messages carry their bodies where
 * the ledger stored them and their provider reports; runs carry how they ended. Built in memory: a
 * customer's rows are thousands at most.
 */
import type { Db } from '../db/client';
import { customerRecords } from '../db/queries/customer-export';
import { HttpError } from '../lib/http-error';

export type CustomerExport = NonNullable<Awaited<ReturnType<typeof exportCustomer>>>;

export async function exportCustomer(db: Db, customerId: string) {
  const r = await customerRecords(db, customerId);
  if (!r) throw new HttpError(404, 'not_found', `Customer ${customerId} does not exist`, 'customerId');
  const reportsOf = new Map<number, Array<(typeof r.reports)[number]>>();
  for (const e of r.reports) reportsOf.set(e.messageId, [...(reportsOf.get(e.messageId) ?? []), e]);
  return {
    exportedAt: new Date().toISOString(),
    customer: r.customer,
    telegramChat: r.telegram,
    pushTokens: r.pushTokens,
    consents: r.consents,
    consentHistory: r.consentHistory,
    suppressions: r.suppressions,
    events: r.events.map(({ seq: _seq, ...e }) => e),
    orders: r.orders,
    messages: r.ledger.map((m) => ({ ...m, reports: (reportsOf.get(m.id) ?? []).map(({ messageId: _m, ...e }) => e) })),
    runs: r.runs,
    merges: r.merges,
  };
}
