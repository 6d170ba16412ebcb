/**
 * The store step (routing/store-events.ts) on a real Postgres, where two writes race on one event
 * id: a client that posts the same event twice at the same moment (a retry that did not wait).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { customers, events } from '../db/schema';
import { storeEvents } from '../routing/store-events';
import { createTestDatabase } from './support/database';
import { eventually } from './support/journeys';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

it('an id another write is inserting answers as a duplicate once that write commits, not as a customer that does not exist', async () => {
  await database.db.insert(customers).values({ id: 'twice', email: 'twice@example.com' });
  const event = { id: 'same-moment', customerId: 'twice', type: 'customer.signed_up', properties: {}, occurredAt: new Date() };
  let second: ReturnType<typeof storeEvents> | undefined;
  await database.db.transaction(async (tx) => {
    // The first write has inserted the id and not committed; the second's insert waits on it.
    await tx.insert(events).values(event);
    second = storeEvents(database.db, [event]);
    await eventually(async () => {
      const [waiting] = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%jsonb_to_recordset%'`);
      return waiting!.n > 0 || undefined;
    });
  });
  const [stored] = await second!;
  expect(stored).toMatchObject({ kind: 'duplicate', row: { id: 'same-moment', customerId: 'twice' } });
});
