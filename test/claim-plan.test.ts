/**
 * The router's claim and the backlog gauges on a year of stored events: they read only the kinds
 * that can owe (never an inert month), each month through its partial index of unrouted (or
 * dead-lettered) rows, which is empty once the month is routed: their cost follows the backlog, not
 * the table.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { customers } from '../db/schema';
import type { LifecycleDeps } from '../lifecycle/deps';
import { readDatabaseGauges } from '../metrics/database-gauges';
import { routeDue } from '../routing/router';
import { createTestDatabase } from './support/database';

let database: Database;
const statements: string[] = [];
beforeAll(async () => {
  database = await createTestDatabase((s) => statements.push(s));
  await database.db.insert(customers).values({ id: 'plan-anna' });
  for (let back = 1; back <= 12; back++) {
    for (const kind of ['inert', 'routed']) await database.db.execute(sql`select cascade_event_partition(${kind}, now() - make_interval(months => ${back}))`);
  }
  // A thousand routed events a month, and a few still owed this month.
  await database.db.execute(sql`
    insert into events (id, kind, customer_id, type, occurred_at, received_at, routed_at, routed_to)
    select 'e' || g, case when g % 2 = 0 then 'inert' else 'routed' end, 'plan-anna', 'order.placed', t, t, t, '[]'
    from generate_series(1, 24000) g, lateral (select now() - make_interval(secs => g * 1300) as t) at`);
  await database.db.execute(sql`insert into events (id, customer_id, type, occurred_at) select 'owed' || g, 'plan-anna', 'order.placed', now() from generate_series(1, 5) g`);
  await database.db.execute(sql`analyze events`);
});
afterAll(async () => {
  await database?.close();
});

interface PlanNode { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: PlanNode[] }
function scans(node: PlanNode, out: PlanNode[] = []): PlanNode[] {
  if (node['Relation Name']?.startsWith('events')) out.push(node);
  for (const child of node.Plans ?? []) scans(child, out);
  return out;
}

/**
 * The events relations a statement reads, as the planner would read them on a table too big to scan
 * (seq scans off: on this small one it may scan a month of a few pages instead, as it should).
 */
async function readsOf(statement: string): Promise<string[]> {
  return database.db.transaction(async (tx) => {
    await tx.execute(sql`set local enable_seqscan = off`);
    const [row] = await tx.execute<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(sql.raw(`explain (generic_plan, format json) ${statement}`));
    return scans(row!['QUERY PLAN'][0]!.Plan).filter((n) => n['Node Type'] !== 'ModifyTable').map((n) => `${n['Relation Name']} ${n['Node Type']} ${n['Index Name'] ?? ''}`.trim());
  });
}

/**
 * A read of a month that can owe, through one of its indexes: the partial ones of unrouted or
 * dead-lettered rows, or (the claim's update of the rows it took) a probe of its id index.
 */
const OWED_READ = /^events_(routed_\d{4}_\d{2}|held) Index (Only )?Scan events_(routed_\d{4}_\d{2}|held)_(customer_id_seq|seq|dead_lettered_at|id)_idx$/;

async function statementsOf(fn: () => Promise<unknown>, match: RegExp): Promise<string[]> {
  statements.length = 0;
  await fn();
  return statements.filter((s) => match.test(s));
}

it("the router's claim reads only the owed kinds' partial indexes, never an inert month", async () => {
  const [claim] = await statementsOf(() => routeDue({ db: database.db } as LifecycleDeps, { batch: 2 }), /for update skip locked/i);
  const reads = await readsOf(claim!);
  expect(reads.length).toBeGreaterThanOrEqual(14);
  expect(reads.filter((r) => !OWED_READ.test(r))).toEqual([]);
});

it('the backlog gauges read only the owed kinds\' partial indexes', async () => {
  const gauges = await statementsOf(() => readDatabaseGauges(database.db), /from "events"/);
  expect(gauges).toHaveLength(2);
  for (const statement of gauges) {
    const reads = await readsOf(statement);
    expect(reads.length).toBeGreaterThanOrEqual(14);
    expect(reads.filter((r) => !OWED_READ.test(r))).toEqual([]);
  }
});
