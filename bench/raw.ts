/**
 * The raw limits Cascade's figures are divided by: the same Temporal calls Cascade makes for an
 * event, made by a bare loop from one Node client at the same concurrency on the same server (through
 * lifecycle/runs.ts, the one place those calls are written), and a bare INSERT loop into the same
 * Postgres.
 */
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import postgres from 'postgres';
import { checkTrigger } from '../lifecycle/trigger';
import { enrolRun, signalRun, startOrSignal } from '../lifecycle/runs';
import type { JourneyEvent } from '../workflows/contract';
import { journeyById } from '../workflows/registry';
import { pool } from './measure';

export interface Temporal {
  client: Client;
  taskQueue: string;
}

const journey = (id: string) => {
  const wf = journeyById(id);
  if (!wf) throw new Error(`no journey ${id}`);
  return wf;
};

export function eventOf(id: string, type: string, properties: Record<string, unknown> = {}): JourneyEvent {
  return { v: 1, id, type, properties, occurredAt: new Date().toISOString() };
}

/** The signal-with-start the router makes for a trigger event (journey `journeyId`). */
export async function triggerRun(t: Temporal, journeyId: string, customerId: string, event: JourneyEvent): Promise<string> {
  const wf = journey(journeyId);
  const check = checkTrigger(wf, customerId, event);
  if (!check.ok) throw new Error(check.message);
  return (await startOrSignal(t, wf, { customerId, workflowId: check.workflowId, key: check.key, trigger: event })).workflowId;
}

/** A run a campaign would start: stays running (its goal window) and listens to order.placed. */
export async function enrol(t: Temporal, journeyId: string, customerId: string, key: string): Promise<string> {
  const workflowId = `${journeyId}/${customerId}/${key}`;
  await enrolRun(t, journey(journeyId), { customerId, workflowId, key, trigger: eventOf(`${key}/${customerId}`, 'bench') });
  return workflowId;
}

/** Calls per second of `call` over `items`, `concurrency` in flight. */
export async function bareLoop<T>(items: T[], concurrency: number, call: (item: T) => Promise<unknown>): Promise<{ perSecond: number; seconds: number }> {
  const t0 = performance.now();
  await pool(items, concurrency, async (item) => {
    await call(item);
  });
  const seconds = (performance.now() - t0) / 1000;
  return { perSecond: Math.round(items.length / seconds), seconds: Number(seconds.toFixed(1)) };
}

/**
 * One INSERT per row into an empty copy of `events` (same columns, indexes and defaults), `concurrency`
 * connections: what storing an event costs at the least on this Postgres.
 */
export async function bareInsertLoop(pgUrl: string, n: number, concurrency: number): Promise<{ perSecond: number; seconds: number }> {
  const sql = postgres(pgUrl, { max: concurrency, onnotice: () => {} });
  try {
    await sql`drop table if exists bench_events_insert`;
    await sql`create table bench_events_insert (like events including all)`;
    const ids = Array.from({ length: n }, (_, i) => i);
    return await bareLoop(ids, concurrency, (i) =>
      sql`insert into bench_events_insert (id, customer_id, type, properties, occurred_at)
          values (${`raw-insert-${i}`}, ${`raw-customer-${i % 1000}`}, 'customer.signed_up', ${sql.json({})}, now()) on conflict do nothing`,
    );
  } finally {
    await sql`drop table if exists bench_events_insert`;
    await sql.end();
  }
}

export { signalRun };
