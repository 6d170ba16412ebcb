/**
 * The raw limits Cascade's Temporal figures are divided by: the same Temporal calls Cascade makes for
 * an event, made by a bare loop from one Node client at the same concurrency on the same server
 * (through lifecycle/runs.ts, the one place those calls are written). The runs they start go to a
 * task queue no worker polls, so they never run: the loop costs the server its calls and nothing
 * after, and none of it lands in the window of the Cascade phase that follows. (The HTTP ingest's
 * raw limit is bench/raw-ingest-server.ts.)
 */
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import { checkTrigger } from '../lifecycle/trigger';
import { enrolRun, signalRun, startOrSignal } from '../lifecycle/runs';
import type { JourneyEvent } from '../workflows/contract';
import { journeyById } from '../workflows/registry';
import { pool } from './measure';

export interface Temporal {
  client: Client;
  taskQueue: string;
}

/** No worker polls it: a run started there stays at its first workflow task, costing nothing more. */
export const NO_WORKER_QUEUE = 'cascade-bench-no-worker';

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

/** Calls per second of `call` over `items`, `concurrency` in flight; no new call once `deadline` (epoch ms) has passed. */
export async function bareLoop<T>(
  items: T[],
  concurrency: number,
  call: (item: T) => Promise<unknown>,
  deadline = Infinity,
): Promise<{ perSecond: number; seconds: number; calls: number }> {
  const t0 = performance.now();
  const calls = await pool(
    items,
    concurrency,
    async (item) => {
      await call(item);
    },
    deadline,
  );
  const seconds = (performance.now() - t0) / 1000;
  return { perSecond: Math.round(calls / seconds), seconds: Number(seconds.toFixed(1)), calls };
}

/** The bare loop of sign-ups: the welcome run's signal-with-start for each customer, on NO_WORKER_QUEUE. */
export function bareSignUps(client: Client, customerIds: string[], concurrency: number, eventPrefix: string): Promise<{ perSecond: number; seconds: number }> {
  const t = { client, taskQueue: NO_WORKER_QUEUE };
  return bareLoop(customerIds, concurrency, (c) => triggerRun(t, 'welcome', c, eventOf(`${eventPrefix}${c}`, 'customer.signed_up')));
}

export { signalRun };
