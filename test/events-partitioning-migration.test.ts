/**
 * Upgrading an installation whose events table is one table (migrations up to 0013) to the
 * partitioned one keeps every row as it was, in a month of its own, and ingest goes on after it:
 * arrival order continues past the old rows, and an old id is still a duplicate.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { afterAll, expect, it } from 'vitest';
import { openDatabase, type Database } from '../db/client';
import { events } from '../db/schema';
import { fromRoot } from '../lib/paths';
import { listMonths } from '../retention/months';
import { storeEvents } from '../routing/store-events';
import { createEmptyDatabase } from './support/database';

const LAST_UNPARTITIONED = '0013_customer_rights';
const DAY = 86_400_000;
const opened: Array<{ end(): Promise<void> }> = [];
const folders: string[] = [];
afterAll(async () => {
  for (const o of opened) await o.end();
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

/** A copy of db/migrations that stops at `last`, as an installation of that version has it. */
function migrationsUpTo(last: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'cascade-migrations-'));
  folders.push(folder);
  cpSync(fromRoot('db', 'migrations'), folder, { recursive: true });
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: Array<{ tag: string }> };
  const end = journal.entries.findIndex((e) => e.tag === last);
  expect(end).toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, end + 1);
  writeFileSync(journalPath, JSON.stringify(journal));
  return folder;
}

it('keeps every event of an installation that stored them in one table, and ingest goes on', async () => {
  const url = await createEmptyDatabase();
  const before = postgres(url, { max: 1, onnotice: () => {} });
  opened.push(before);
  await migrate(drizzle(before), { migrationsFolder: migrationsUpTo(LAST_UNPARTITIONED) });
  await before`insert into customers (id, email, time_zone) values ('mig-anna', 'mig-anna@example.com', 'Europe/Moscow')`;
  const at = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString();
  // A hundred days back, last month and today; routed, dead-lettered and still owed.
  await before`
    insert into events (id, customer_id, type, properties, occurred_at, received_at, routed_at, routed_to, routing_attempts, routing_error, dead_lettered_at)
    values ('mig-1', 'mig-anna', 'customer.signed_up', '{"source":"web"}', ${at(101)}, ${at(100)}, ${at(100)}, '["welcome/mig-anna"]', 1, null, null),
           ('mig-2', 'mig-anna', 'order.placed', '{"orderId":"o-1"}', ${at(35)}, ${at(35)}, null, null, 3, 'boom', ${at(34)}),
           ('mig-3', 'mig-anna', 'order.placed', '{"orderId":"o-2"}', ${at(0)}, ${at(0)}, null, null, 0, null, null)`;
  const rowsBefore = await before`select * from events order by seq`;
  expect(rowsBefore).toHaveLength(3);

  const database: Database = await openDatabase({ url });
  opened.push({ end: () => database.close() });
  const rowsAfter = await database.db.execute(sql`select * from events order by seq`);
  // Every column as it was, each row under the longer (routed) retention.
  expect(rowsAfter.map((r) => r.kind)).toEqual(['routed', 'routed', 'routed']);
  expect(rowsAfter.map(({ kind: _kind, ...row }) => row)).toEqual([...rowsBefore]);
  const months = (await listMonths(database.db)).filter((m) => m.kind === 'routed').map((m) => m.from.toISOString().slice(0, 7));
  for (const daysAgo of [100, 35, 0]) expect(months).toContain(at(daysAgo).slice(0, 7));

  const [fresh, again] = await storeEvents(database.db, [
    { id: 'mig-4', customerId: 'mig-anna', type: 'order.placed', properties: {}, occurredAt: new Date() },
    { id: 'mig-1', customerId: 'mig-anna', type: 'customer.signed_up', properties: {}, occurredAt: new Date() },
  ]);
  expect(fresh!.kind).toBe('stored');
  expect(again!.kind).toBe('duplicate');
  const seqs = (await database.db.select({ id: events.id, seq: events.seq }).from(events).orderBy(asc(events.seq))).map((r) => r.id);
  expect(seqs).toEqual(['mig-1', 'mig-2', 'mig-3', 'mig-4']);
});
