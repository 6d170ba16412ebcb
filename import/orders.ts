/**
 * POST /v1/import/orders: order history in bulk. Only the orders table is written, never events: an
 * imported order is history, so it starts no journey and sends no order confirmation (an
 * `order.placed` event is how a new order reaches journeys). A row naming an unknown customer is
 * rejected on `customerId`; a repeated id updates the stored order only where it differs.
 */
import { sql } from 'drizzle-orm';
import { anyOf, textArray } from '../db/arrays';
import type { Db } from '../db/client';
import { customers, orders } from '../db/schema';
import { importedOrderRow, type ImportedOrder } from '../schemas/orders';
import { runImport, type BatchResult, type ImportReport } from './batches';
import type { RawRow } from './parse';

export const IMPORTED_ORDERS_START_NOTHING = 'none started: imported orders are history (no event, no journey, no order confirmation)';

export async function importOrders(db: Db, rows: AsyncIterable<RawRow>): Promise<ImportReport> {
  return runImport(rows, { schema: importedOrderRow, write: (batch) => writeOrders(db, batch) });
}

const COLUMNS = ['customerId', 'source', 'total', 'currency', 'placedAt'] as const;

async function writeOrders(db: Db, batch: Array<{ line: number; value: ImportedOrder }>): Promise<BatchResult> {
  return db.transaction(async (tx) => {
    // Key-share locks: a customer merged or deleted meanwhile cannot vanish under the insert.
    const known = await tx
      .select({ id: customers.id })
      .from(customers)
      .where(anyOf(customers.id, [...new Set(batch.map((r) => r.value.customerId))]))
      .for('key share');
    const exists = new Set(known.map((c) => c.id));
    const rejected = batch
      .filter((r) => !exists.has(r.value.customerId))
      .map((r) => ({ line: r.line, field: 'customerId', error: `customerId: customer ${r.value.customerId} does not exist (import customers first)` }));
    const good = batch.filter((r) => exists.has(r.value.customerId));
    let created = 0;
    let updated = 0;
    if (good.length) {
      // Each column one array parameter, unnested into rows (db/arrays.ts says why).
      const column = (pick: (o: ImportedOrder) => string) => textArray(good.map((r) => pick(r.value)));
      const mine = sql.join(COLUMNS.map((k) => sql`${orders}.${sql.identifier(orders[k].name)}`), sql`, `);
      const theirs = sql.join(COLUMNS.map((k) => sql`excluded.${sql.identifier(orders[k].name)}`), sql`, `);
      const result = await tx.execute<{ inserted: boolean }>(sql`
        insert into ${orders} (id, customer_id, source, total, currency, placed_at)
        select r.id, r.customer_id, r.source, r.total::numeric, r.currency, r.placed_at::timestamptz
        from unnest(${column((o) => o.id)}, ${column((o) => o.customerId)}, ${column((o) => o.source)}, ${column((o) => o.total.toFixed(2))}, ${column((o) => o.currency)}, ${column((o) => o.placedAt)})
          as r(id, customer_id, source, total, currency, placed_at)
        on conflict (id) do update set (${sql.join(COLUMNS.map((k) => sql.identifier(orders[k].name)), sql`, `)}) = (${theirs})
        where (${mine}) is distinct from (${theirs})
        returning (xmax = 0) as inserted`);
      for (const r of result) r.inserted ? created++ : updated++;
    }
    return { rejected, counts: { created, updated } };
  });
}
