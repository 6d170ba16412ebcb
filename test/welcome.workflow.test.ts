import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { journeyRuns, messages } from '../db/schema';
import { welcome } from '../workflows/journeys/welcome';
import { eventSignal } from '../workflows/contract';
import { seedCustomer, useCascade } from './support/cascade';
import { recordHistory } from './support/histories';
import { taskQueue } from './support/temporal';

let env: TestWorkflowEnvironment;
let database: Database;
useCascade('time-skipping', (c) => ({ env, database } = c));
const DAY = 864e5;

const signup = (customerId: string) => ({
  v: 1 as const,
  customerId,
  trigger: { id: `signup-${customerId}`, type: 'customer.signed_up', properties: {}, occurredAt: new Date().toISOString() },
});

async function ledger(customerId: string) {
  return database.db.select().from(messages).where(eq(messages.customerId, customerId)).orderBy(asc(messages.requestedAt));
}

describe('welcome journey', () => {
  it('sends six emails over two weeks, fitting and promo among them, the same code twice', async () => {
    await seedCustomer(database.db, { id: 'w1', name: 'Anna' });
    const handle = await env.client.workflow.start(welcome, { workflowId: 'welcome/w1', taskQueue, args: [signup('w1')] });
    const result = await handle.result();
    expect(result).toBe('completed');
    const sent = await ledger('w1');
    expect(sent.map((m) => [m.template, m.status, m.channel])).toEqual([
      ['welcome-hello', 'sent', 'email'],
      ['welcome-fitting', 'sent', 'email'],
      ['welcome-promo', 'sent', 'email'],
      ['welcome-bestsellers', 'sent', 'email'],
      ['welcome-reviews', 'sent', 'email'],
      ['welcome-last-call', 'sent', 'email'],
    ]);
    const start = sent[0]!.requestedAt.getTime();
    const offsetsInDays = sent.map((m) => Math.round((m.requestedAt.getTime() - start) / DAY));
    expect(offsetsInDays).toEqual([0, 1, 3, 5, 8, 13]);
    const codes = sent.map((m) => /WELCOME-[A-Z0-9]{6}/.exec(m.body ?? '')?.[0]).filter(Boolean);
    expect(codes.length).toBeGreaterThanOrEqual(2);
    expect(new Set(codes).size).toBe(1);
    const [run] = await database.db.select().from(journeyRuns).where(eq(journeyRuns.workflowId, 'welcome/w1'));
    expect(run).toMatchObject({ status: 'completed', endReason: 'completed' });
    // The first email's subject test: the run's variant is on the run, on every email, and in the subject.
    const variant = run!.variants?.['subject-test'];
    expect(['a', 'b']).toContain(variant);
    expect(sent.every((m) => m.variants?.['subject-test'] === variant)).toBe(true);
    expect(sent[0]!.subject).toBe(variant === 'b' ? 'Anna, a gift for your first order inside' : 'Welcome, Anna!');
    await recordHistory(handle, 'welcome-all-six');
  });

  it('ends at the first order, with no email after it', async () => {
    await seedCustomer(database.db, { id: 'w2' });
    const handle = await env.client.workflow.start(welcome, { workflowId: 'welcome/w2', taskQueue, args: [signup('w2')] });
    await env.sleep('36 hours');
    await handle.signal(eventSignal, { id: 'o-w2', type: 'order.placed', properties: { orderId: 'o1' }, occurredAt: new Date().toISOString() });
    const result = await handle.result();
    expect(result).toBe('exited: order.placed');
    expect((await ledger('w2')).map((m) => m.template)).toEqual(['welcome-hello', 'welcome-fitting']);
    const [run] = await database.db.select().from(journeyRuns).where(eq(journeyRuns.workflowId, 'welcome/w2'));
    expect(run).toMatchObject({ status: 'exited', endReason: 'exited: order.placed', conversionEventId: 'o-w2' });
    await recordHistory(handle, 'welcome-ordered');
  });

  it('sends nothing to a customer without email consent, and says why', async () => {
    await seedCustomer(database.db, { id: 'w3', consent: ['sms'] });
    const handle = await env.client.workflow.start(welcome, { workflowId: 'welcome/w3', taskQueue, args: [signup('w3')] });
    await handle.result();
    const rows = await ledger('w3');
    expect(rows).toHaveLength(6);
    expect(rows.every((m) => m.status === 'skipped' && m.skipReason === 'no_consent')).toBe(true);
  });
});
