/**
 * What an order is, wherever it comes in: an `order.placed` event's properties (routing/ingest-event.ts)
 * and a row of POST /v1/import/orders. One set of rules, so both paths store the same orders.
 */
import { z } from 'zod';
import { customerIdSchema, instant, text } from './common';

export const orderId = text().trim().min(1).max(200);
// orders.total is numeric(12,2): ten digits before the point (1e10 itself was a 500).
export const orderTotal = z.coerce.number().nonnegative().max(9_999_999_999);
export const orderCurrency = text().length(3);
export const orderSource = z.enum(['online', 'offline']);

/** A row of POST /v1/import/orders: a historical order, stored without an event, so it starts nothing. */
export const importedOrderRow = z
  .object({
    id: orderId,
    customerId: customerIdSchema,
    total: orderTotal,
    currency: orderCurrency.default('RUB'),
    source: orderSource,
    placedAt: instant(),
  })
  .strict();
export type ImportedOrder = z.infer<typeof importedOrderRow>;
