/**
 * What the chaos tests (test/chaos-*.test.ts) share: customers reachable through the fake Resend and
 * SMSC (and, for the birthday greeting, through the fake FCM or a webhook receiver), their events sent
 * as a product system would (POST /v1/events/batch), and the checks a user makes afterwards: every
 * run ended, every email and SMS reached the provider exactly once, every push and webhook at least
 * once, each copy carrying the message's stable id, and a second copy only after a crash.
 */
import { Client } from '@temporalio/client';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import { expect } from 'vitest';
import type { Db } from '../../db/client';
import { events, journeyRuns, messages, pushTokens, type RunState } from '../../db/schema';
import type { FakeFcm } from '../fakes/fcm';
import type { FakeResend } from '../fakes/resend';
import type { FakeSmsc } from '../fakes/smsc';
import type { FakeWebhookReceiver } from '../fakes/webhook';
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
  // A run records its end in its last activity and completes in the workflow task after it: one
  // just past its record may still be RUNNING in Temporal for that moment, so each is given 30 s.
  const notCompleted: string[] = [];
  for (let i = 0; i < runs.length; i += 50) {
    await Promise.all(
      runs.slice(i, i + 50).map(async (r) => {
        const deadline = Date.now() + 30_000;
        for (;;) {
          const { status } = await client.workflow.getHandle(r.workflowId, r.runId).describe();
          if (status.name === 'COMPLETED') return;
          if (status.name !== 'RUNNING' || Date.now() > deadline) return void notCompleted.push(`${r.workflowId}: ${status.name}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
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

/**
 * A birthday that is today where it is about 14:00 now (a whole-hour zone, Etc/GMT±n): the birthday
 * journey greets at once (10:00 has passed, 21:00 quiet hours are far), whatever the hour in UTC.
 */
export function birthdayToday(now = Date.now()): { timeZone: string; birthday: string; year: number } {
  let offset = 14 - new Date(now).getUTCHours();
  if (offset > 14) offset -= 24;
  // IANA's Etc zones have the sign reversed: Etc/GMT-3 is UTC+3.
  const timeZone = offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
  const [year, month, day] = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now).split('-');
  return { timeZone, birthday: `1990-${month}-${day}`, year: Number(year) };
}

/** Customers whose birthday is today (above), reachable by push only (a device token) or by the webhook channel only. */
export async function seedBirthdayCustomers(db: Db, list: ChaosCustomer[], channel: 'push' | 'webhook'): Promise<void> {
  const { timeZone, birthday } = birthdayToday();
  for (const c of list) {
    await seedCustomer(db, { id: c.id, email: null, phone: null, name: 'Chaos', timeZone, birthday, consent: [channel] });
    if (channel === 'push') await db.insert(pushTokens).values({ token: pushToken(c), customerId: c.id });
  }
}

export const pushToken = (c: ChaosCustomer) => `fcm-token-${c.id}`;

/** The birthday journey's trigger: one greeting, on the first channel that reaches the customer. */
export function birthdayGreeting(c: ChaosCustomer): ChaosEvent {
  return { id: `birthday-${c.id}`, customerId: c.id, type: 'birthday.upcoming', properties: { year: birthdayToday().year } };
}

/**
 * Copies of messages that a provider without idempotency took more than once (by dedupe id, the
 * arrival of each copy): each copy after the first must follow a kill of the worker that came after
 * the copy before it (a new delivery attempt), never two copies from one attempt. A request written
 * just before a kill may be read by a busy test process a little after it, hence two seconds of
 * slack; a retry comes later still, from a worker started after the kill. Returns the extra copies.
 */
export function expectCopiesOnlyAfterKills(copies: Map<string, number[]>, kills: number[]): number {
  const unexplained: string[] = [];
  let extra = 0;
  for (const [id, at] of copies) {
    const sorted = [...at].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) {
      extra++;
      if (!kills.some((k) => k > sorted[i - 1]! - 2_000 && k < sorted[i]!)) unexplained.push(`${id}: copies at ${sorted.map((t) => new Date(t).toISOString()).join(', ')}`);
    }
  }
  expect(unexplained, `kills at ${kills.map((k) => new Date(k).toISOString()).join(', ')}`).toEqual([]);
  return extra;
}

const copiesById = <T>(items: T[], id: (item: T) => string, at: (item: T) => number): Map<string, number[]> => {
  const map = new Map<string, number[]>();
  for (const item of items) map.set(id(item), [...(map.get(id(item)) ?? []), at(item)]);
  return map;
};

/** One ledger row `sent` on `channel` per customer, from the birthday journey, and nothing else sent to them. */
async function sentOncePerCustomer(db: Db, list: ChaosCustomer[], channel: 'push' | 'webhook') {
  const ledger = await db.select().from(messages).where(inArray(messages.customerId, list.map((c) => c.id)));
  const sent = ledger.filter((m) => m.status === 'sent');
  expect(sent.filter((m) => m.channel !== channel || m.journey !== 'birthday').map((m) => `${m.customerId} ${m.journey}/${m.step} ${m.channel}`)).toEqual([]);
  expect(ledger.filter((m) => m.channel === channel && m.status !== 'sent').map((m) => `${m.customerId}: ${m.status} ${m.error}`)).toEqual([]);
  expect(sent.map((m) => m.customerId).sort()).toEqual(list.map((c) => c.id).sort());
  return sent;
}

/**
 * Push is at least once (FCM has no idempotency key): every push the ledger says went out reached
 * the customer's device, every copy names the message by its ledger id (Android's collapse key and
 * notification tag, apns-collapse-id, `data.messageId`), so deduped by that id the device shows each
 * message exactly once; and a
 * second copy only ever follows a crash. Returns the extra copies FCM took.
 */
export async function expectEachPushAtLeastOnce(db: Db, fcm: FakeFcm, list: ChaosCustomer[], kills: number[]): Promise<number> {
  const sent = await sentOncePerCustomer(db, list, 'push');
  const tokens = new Set(list.map(pushToken));
  const pushes = fcm.sent.filter((p) => tokens.has(p.token));
  for (const p of pushes) expect([p.androidTag, p.apnsCollapseId, p.data?.messageId], p.name).toEqual([p.collapseKey, p.collapseKey, p.collapseKey]);
  const copies = copiesById(pushes, (p) => p.collapseKey ?? '(none)', (p) => p.receivedAt);
  expect([...copies.keys()].sort()).toEqual(sent.map((m) => String(m.id)).sort());
  for (const m of sent) expect(pushes.filter((p) => p.collapseKey === String(m.id)).map((p) => p.token), `message ${m.id}`).toEqual(expect.arrayContaining([m.recipient]));
  expect(new Set(pushes.map((p) => `${p.collapseKey} ${p.token}`)).size).toBe(sent.length);
  return expectCopiesOnlyAfterKills(copies, kills);
}

/**
 * The webhook channel is at least once: every message the ledger says went out reached the receiver,
 * signed; every copy carries the send's idempotency key as `webhook-id` and the ledger id in its
 * body, so deduped by `webhook-id` the receiver has each message exactly once; and a second copy
 * only ever follows a crash. Returns the extra copies the receiver took.
 */
export async function expectEachWebhookAtLeastOnce(db: Db, receiver: FakeWebhookReceiver, list: ChaosCustomer[], kills: number[]): Promise<number> {
  const sent = await sentOncePerCustomer(db, list, 'webhook');
  const ids = new Set(list.map((c) => c.id));
  const received = receiver.received.filter((r) => r.verified instanceof Error || ids.has(r.verified.customerId));
  expect(received.filter((r) => r.verified instanceof Error).map((r) => (r.verified as Error).message)).toEqual([]);
  const deduplicated = receiver.deduplicated();
  expect(sent.map((m) => deduplicated.get(m.idempotencyKey))).toEqual(sent.map((m) => expect.objectContaining({ messageId: m.id, idempotencyKey: m.idempotencyKey, customerId: m.customerId })));
  const copies = copiesById(received, (r) => r.headers['webhook-id']!, (r) => r.receivedAt);
  expect([...copies.keys()].sort()).toEqual(sent.map((m) => m.idempotencyKey).sort());
  return expectCopiesOnlyAfterKills(copies, kills);
}
