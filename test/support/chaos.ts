/**
 * What the chaos tests (test/chaos-*.test.ts) share: customers reachable through the fake Resend and
 * SMSC, their events sent as a product system would (POST /v1/events/batch), and the checks a user
 * makes afterwards: every run ended, every expected message reached the provider exactly once.
 */
import { Client } from '@temporalio/client';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import { expect } from 'vitest';
import type { Db } from '../../db/client';
import { events, journeyRuns, messages, type RunState } from '../../db/schema';
import type { FakeResend } from '../fakes/resend';
import type { FakeSmsc } from '../fakes/smsc';
import { seedCustomer } from './cascade';

/** The journeys each chaos customer goes through, and how their runs end (the order ends the welcome chain). */
export const ENDS = { welcome: 'exited', 'service-reminder': 'completed', 'order-confirmation': 'completed' } as const;
export const JOURNEYS = Object.keys(ENDS);

export interface ChaosCustomer {
  id: string;
  email: string;
  phone: string;
}

let phones = 0;
/** `n` customers named `<prefix>-<i>`, each with an address and a phone number of their own. */
export function chaosCustomers(prefix: string, n: number): ChaosCustomer[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${i}`,
    email: `${prefix}-${i}@mail.cascade.dev`,
    phone: `+7916${String(1_000_000 + phones++)}`,
  }));
}

export async function seedChaosCustomers(db: Db, list: ChaosCustomer[]): Promise<void> {
  for (const c of list) await seedCustomer(db, { id: c.id, email: c.email, phone: c.phone, name: 'Chaos', consent: ['email', 'sms'] });
}

export interface ChaosEvent {
  id: string;
  customerId: string;
  type: string;
  properties?: Record<string, unknown>;
}

/** A sign-up (welcome's first email) and a booking whose SMS is due `reminderInMs` from now (a real timer). */
export function signUpAndBooking(c: ChaosCustomer, reminderInMs: number): ChaosEvent[] {
  return [
    { id: `signup-${c.id}`, customerId: c.id, type: 'customer.signed_up' },
    {
      id: `booking-${c.id}`,
      customerId: c.id,
      type: 'appointment.booked',
      properties: { appointmentId: `appt-${c.id}`, appointmentAt: new Date(Date.now() + 24 * 3600_000 + reminderInMs).toISOString() },
    },
  ];
}

/** An order: its confirmation email, and the end of the customer's welcome run. */
export function order(c: ChaosCustomer): ChaosEvent {
  return { id: `order-${c.id}`, customerId: c.id, type: 'order.placed', properties: { orderId: `o-${c.id}`, total: 1990 } };
}

/**
 * Sends events in batches; each must be taken (stored: 2xx, or 503 "stored, not routed yet"). A
 * batch the API does not answer at all is sent again with the same ids, as a caller would.
 */
export async function postEvents(call: typeof fetch, list: ChaosEvent[], batchSize = 200): Promise<Array<{ id: string; status: number }>> {
  const answers: Array<{ id: string; status: number }> = [];
  for (let i = 0; i < list.length; i += batchSize) {
    const res = await call('/v1/events/batch', { method: 'POST', body: JSON.stringify({ events: list.slice(i, i + batchSize) }) });
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: Array<{ id: string; status: number; error?: unknown }> };
    for (const r of results) {
      expect([200, 202, 503], `event ${r.id}: ${JSON.stringify(r.error)}`).toContain(r.status);
      answers.push({ id: r.id, status: r.status });
    }
  }
  return answers;
}

/** Places each customer's order once their welcome email went out (as shoppers do, later), until all have. */
export function orderAfterWelcome(db: Db, call: typeof fetch, list: ChaosCustomer[]): { done: Promise<void> } {
  const ordered = new Set<string>();
  const done = (async () => {
    while (ordered.size < list.length) {
      const welcomed = await sentTo(db, 'welcome');
      const due = list.filter((c) => welcomed.has(c.id) && !ordered.has(c.id));
      if (due.length) await postEvents(call, due.map(order));
      for (const c of due) ordered.add(c.id);
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  // Awaited by the test later; until then a failure must not surface as an unhandled rejection.
  done.catch(() => undefined);
  return { done };
}

/** For a wait's timeout message: how many customers each journey has sent to, and runs still going. */
export function progress(db: Db, journeys: string[]): () => Promise<string> {
  return async () => {
    const counts = await Promise.all(journeys.map(async (j) => `${j} ${(await sentTo(db, j)).size}`));
    return `sent: ${counts.join(', ')}; runs going: ${await runsStillGoing(db)}`;
  };
}

/** Polls until `probe` is true; the timeout only bounds a hung test, `progress` says how far it got. */
export async function until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs: number, progress?: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs / 1000} s: ${what}${progress ? ` (${await progress()})` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The customers a journey's message went out to (by the ledger). */
export async function sentTo(db: Db, journey: string): Promise<Set<string>> {
  const rows = await db.select({ customerId: messages.customerId }).from(messages).where(and(eq(messages.journey, journey), eq(messages.status, 'sent')));
  return new Set(rows.map((r) => r.customerId));
}

export async function runsStillGoing(db: Db): Promise<number> {
  const rows = await db.select({ id: journeyRuns.runId }).from(journeyRuns).where(eq(journeyRuns.status, 'running'));
  return rows.length;
}

/** Every event stored for these customers was routed (none left for the sweeper, none dead-lettered). */
export async function expectEveryEventRouted(db: Db, ids: string[]): Promise<void> {
  const rows = await db.select().from(events).where(inArray(events.id, ids));
  expect(rows).toHaveLength(ids.length);
  expect(rows.filter((r) => !r.routedAt).map((r) => ({ id: r.id, error: r.routingError, dead: r.deadLetteredAt }))).toEqual([]);
}

/**
 * Each customer has exactly one run of each journey in `ends`, ended as it says in journey_runs
 * (`completed`, or `exited` by an exit event) and completed in Temporal.
 */
export async function expectRunsEnded(db: Db, client: Client, list: ChaosCustomer[], ends: Record<string, RunState>): Promise<void> {
  const runs = await db.select().from(journeyRuns).where(inArray(journeyRuns.customerId, list.map((c) => c.id)));
  for (const c of list) {
    expect(runs.filter((r) => r.customerId === c.id).map((r) => r.journey).sort(), c.id).toEqual(Object.keys(ends).sort());
  }
  expect(runs.filter((r) => r.status !== ends[r.journey]).map((r) => `${r.workflowId}: ${r.status} ${r.endReason}`)).toEqual([]);
  const notCompleted: string[] = [];
  for (let i = 0; i < runs.length; i += 50) {
    await Promise.all(
      runs.slice(i, i + 50).map(async (r) => {
        const { status } = await client.workflow.getHandle(r.workflowId, r.runId).describe();
        if (status.name !== 'COMPLETED') notCompleted.push(`${r.workflowId}: ${status.name}`);
      }),
    );
  }
  expect(notCompleted).toEqual([]);
  expect(await db.select().from(journeyRuns).where(isNull(journeyRuns.endedAt))).toEqual([]);
}

/**
 * The customer's inbox and phone hold exactly one copy of each message the ledger says went out,
 * and the ledger says each expected message went out once: `emails` and `sms` per customer.
 */
export async function expectEachMessageOnce(db: Db, resend: FakeResend, smsc: FakeSmsc, list: ChaosCustomer[], expected: { emails: number; sms: number }): Promise<void> {
  const ledger = await db.select().from(messages).where(inArray(messages.customerId, list.map((c) => c.id)));
  expect(ledger.filter((m) => m.status !== 'sent').map((m) => `${m.customerId} ${m.journey}/${m.step}: ${m.status} ${m.error}`)).toEqual([]);
  for (const c of list) {
    const rows = ledger.filter((m) => m.customerId === c.id);
    const emailRows = rows.filter((m) => m.channel === 'email');
    const smsRows = rows.filter((m) => m.channel === 'sms');
    expect(emailRows, `${c.id} email ledger`).toHaveLength(expected.emails);
    expect(smsRows, `${c.id} sms ledger`).toHaveLength(expected.sms);

    const inbox = resend.emailsTo(c.email);
    const inboxIds = inbox.map((e) => e.tags.find((t) => t.name === 'message_id')?.value).sort();
    expect(inboxIds, `${c.id} inbox`).toEqual(emailRows.map((m) => String(m.id)).sort());

    const phone = smsc.messages.filter((m) => m.phone === c.phone.slice(1));
    expect(phone.map((m) => String(m.id)).sort(), `${c.id} phone`).toEqual(smsRows.map((m) => m.providerMessageId).sort());
  }
  expect(resend.emails).toHaveLength(list.length * expected.emails);
  expect(smsc.messages).toHaveLength(list.length * expected.sms);
}
