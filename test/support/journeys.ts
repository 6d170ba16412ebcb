/**
 * Helpers for journey tests: the trigger input the API would build, the customer's ledger in
 * workflow time, and a time zone where it is a given hour now.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { journeyRuns, messages } from '../../db/schema';
import { checkTrigger } from '../../lifecycle/trigger';
import { startOrSignal } from '../../lifecycle/runs';
import type { JourneyWorkflow } from '../../workflows/dsl/journey';
import type { JourneyEvent, JourneyInput } from '../../workflows/contract';
import { taskQueue } from './temporal';

export const HOUR = 3600_000;
export const DAY = 24 * HOUR;

let counter = 0;
export function event(type: string, properties: Record<string, unknown> = {}, id?: string): JourneyEvent {
  return { id: id ?? `${type}-${++counter}-${Math.random().toString(36).slice(2, 8)}`, type, properties, occurredAt: new Date().toISOString() };
}

export function triggerInput(customerId: string, trigger: JourneyEvent, key?: string): JourneyInput {
  return { v: 1, customerId, trigger, ...(key === undefined ? {} : { key }) };
}

/** Starts a journey run the way the router does: the lifecycle's id rule and start (no admission). */
export async function startJourney(env: TestWorkflowEnvironment, wf: JourneyWorkflow, customerId: string, trigger: JourneyEvent) {
  const check = checkTrigger(wf, customerId, trigger);
  if (!check.ok) throw new Error(check.message);
  await startOrSignal({ client: env.client, taskQueue, searchAttributes: false }, wf, { customerId, workflowId: check.workflowId, key: check.key, trigger });
  return env.client.workflow.getHandle<JourneyWorkflow>(check.workflowId);
}

export async function ledger(db: Db, customerId: string) {
  return db.select().from(messages).where(eq(messages.customerId, customerId)).orderBy(asc(messages.requestedAt), asc(messages.id));
}

export async function runRow(db: Db, workflowId: string) {
  const [row] = await db.select().from(journeyRuns).where(eq(journeyRuns.workflowId, workflowId));
  return row;
}

/**
 * Workflow time runs at real speed between skips, so a send lands a few milliseconds after the
 * instant the journey slept to; a few seconds of slack still tells 24 hours from 23.
 */
export function expectAt(actual: Date, expectedMs: number, slackMs = 5_000): void {
  const diff = actual.getTime() - expectedMs;
  if (diff < 0 || diff > slackMs) {
    throw new Error(`expected ${actual.toISOString()} at ${new Date(expectedMs).toISOString()} (+${slackMs} ms), off by ${diff} ms`);
  }
}

/** Offsets of each ledger row from `start`, in hours, rounded to a minute. */
export function hoursAfter(start: number, rows: Array<{ requestedAt: Date }>): number[] {
  return rows.map((r) => Math.round(((r.requestedAt.getTime() - start) / HOUR) * 60) / 60);
}

/**
 * A fixed-offset zone (Etc/GMT±N) where the local clock shows about `hour` at `nowMs`, so a test of
 * SMS or push is outside (or inside) quiet hours whatever the real time is when it runs.
 */
export function zoneWhereItIs(hour: number, nowMs: number): string {
  const utcHour = new Date(nowMs).getUTCHours();
  let offset = (((hour - utcHour) % 24) + 24) % 24;
  if (offset > 14) offset -= 24;
  // Etc/GMT signs are inverted: Etc/GMT-3 is UTC+3.
  return offset === 0 ? 'Etc/UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

/** Polls until `probe` answers something other than undefined (real time, for dev-server tests). */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
