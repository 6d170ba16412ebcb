/**
 * What the ingest sections share: customers seeded in one statement, events posted to
 * `POST /v1/events` as a product system posts them, and the waits until Cascade has routed them
 * (the events table, so it holds whether the answer comes before routing or after) and until the
 * emails they lead to are `sent` (the messages ledger).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';

/**
 * `<prefix><i>` for i in 0..n-1, with an address and (unless `consent` is false) email consent, so
 * journeys send to them.
 */
export async function seedCustomers(db: Db, prefix: string, n: number, opts: { consent?: boolean } = {}): Promise<string[]> {
  await db.execute(sql`
    insert into customers (id, email, time_zone)
    select ${prefix} || i, ${prefix} || i || '@example.com', 'Europe/Moscow' from generate_series(0, ${n - 1}::int) as i
    on conflict (id) do nothing`);
  if (opts.consent !== false) await db.execute(sql`
    insert into consents (customer_id, channel, topic, granted, source)
    select ${prefix} || i, 'email', '*', true, 'bench' from generate_series(0, ${n - 1}::int) as i
    on conflict do nothing`);
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

export interface Api {
  url: string;
  key: string;
}

export interface PostedEvent {
  id: string;
  customerId: string;
  type: string;
  properties?: Record<string, unknown>;
}

/** One POST /v1/events; the status, and when it was sent and answered (epoch ms). */
export async function postEvent(api: Api, event: PostedEvent, query = ''): Promise<{ status: number; sentAt: number; ms: number }> {
  const sentAt = Date.now();
  const t0 = performance.now();
  const res = await fetch(`${api.url}/v1/events${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(event),
  });
  await res.arrayBuffer();
  return { status: res.status, sentAt, ms: performance.now() - t0 };
}

/** Events whose id starts with `prefix`: how many are stored, and how many of those routed. */
export async function routingCounts(db: Db, prefix: string): Promise<{ stored: number; routed: number }> {
  const [row] = (await db.execute(sql`
    select count(*)::int as stored, count(routed_at)::int as routed from events where id like ${`${prefix}%`}`)) as unknown as Array<{ stored: number; routed: number }>;
  return row!;
}

/**
 * Waits until `n` events with ids starting with `prefix` are routed, or `deadline` (epoch ms)
 * passes; the performance.now() when they were, or undefined.
 */
export async function waitRouted(db: Db, prefix: string, n: number, deadline: number): Promise<number | undefined> {
  while (Date.now() < deadline) {
    if ((await routingCounts(db, prefix)).routed >= n) return performance.now();
    await sleep(100);
  }
  return undefined;
}

/**
 * Waits until `n` runs of `journey` for customers whose id starts with `customerPrefix` have
 * recorded their start (the worker caught up), or `deadline` passes.
 */
export async function waitRuns(db: Db, journey: string, customerPrefix: string, n: number, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    if ((await countRuns(db, journey, customerPrefix)) >= n) return true;
    await sleep(250);
  }
  return false;
}

/** Runs of `journey` recorded for customers whose id starts with `customerPrefix`: each has run its first task. */
export async function countRuns(db: Db, journey: string, customerPrefix: string): Promise<number> {
  const [row] = (await db.execute(
    sql`select count(*)::int as n from journey_runs where journey = ${journey} and customer_id like ${`${customerPrefix}%`}`,
  )) as unknown as Array<{ n: number }>;
  return row!.n;
}

/**
 * Waits until `n` emails of `template` to customers whose id starts with `customerPrefix` are `sent`
 * in the ledger, or `deadline` (epoch ms) passes; the performance.now() when they were, or undefined.
 */
export async function waitSent(db: Db, template: string, customerPrefix: string, n: number, deadline: number): Promise<number | undefined> {
  while (Date.now() < deadline) {
    const [row] = (await db.execute(sql`
      select count(*)::int as n from messages
      where template = ${template} and status = 'sent' and customer_id like ${`${customerPrefix}%`}`)) as unknown as Array<{ n: number }>;
    if (row!.n >= n) return performance.now();
    await sleep(100);
  }
  return undefined;
}

/** The workflow ids of every run recorded for customers whose id starts with `customerPrefix`. */
export async function runsOf(db: Db, customerPrefix: string): Promise<string[]> {
  const rows = (await db.execute(sql`
    select distinct workflow_id from journey_runs where customer_id like ${`${customerPrefix}%`}`)) as unknown as Array<{ workflow_id: string }>;
  return rows.map((r) => r.workflow_id);
}
