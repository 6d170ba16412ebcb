/**
 * The quarterly bonus for members started directly (one run per member and quarter, as a campaign
 * starts them; campaigns, their schedules and segments are tested on the dev server in
 * campaigns.test.ts).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { eventSignal } from '../workflows/contract';
import { quarterlyBonus } from '../workflows/journeys/quarterly-bonus';
import { seedCustomer, useCascade } from './support/cascade';
import { DAY, event, expectAt, ledger, runRow, triggerInput } from './support/journeys';
import { recordHistory } from './support/histories';
import { taskQueue } from './support/temporal';

let env: TestWorkflowEnvironment;
let database: Database;
useCascade('time-skipping', (c) => ({ env, database } = c));
beforeAll(async () => {
  await seedCustomer(database.db, { id: 'q1', name: 'Anton', attributes: { chronic: true }, ordersPlaced: 3 });
  await seedCustomer(database.db, { id: 'q2', attributes: { chronic: true }, ordersPlaced: 2 });
  await seedCustomer(database.db, { id: 'q3', attributes: { chronic: true }, ordersPlaced: 2, consent: ['sms'] });
});

/** What a campaign starts for each member: a key naming the occasion, a `campaign` trigger. */
const startFor = (customerId: string, quarter: string) =>
  env.client.workflow.start(quarterlyBonus, {
    workflowId: `quarterly-bonus/${customerId}/${quarter}`,
    taskQueue,
    args: [triggerInput(customerId, event('campaign', { campaignId: quarter }), quarter)],
  });

describe('quarterly bonus', () => {
  it('offers each member of the list 500 roubles by email, within consent', async () => {
    const now = await env.currentTimeMs();
    const runs = await Promise.all(['q1', 'q2', 'q3'].map((id) => startFor(id, '2027-Q1')));
    // One result at a time: each wait unlocks time skipping on the shared test server.
    for (const run of runs) expect(await run.result()).toBe('completed');
    const [q1, q2, q3] = await Promise.all(['q1', 'q2', 'q3'].map((id) => ledger(database.db, id)));
    expect(q1!.map((m) => [m.channel, m.template, m.status, m.workflowId])).toEqual([['email', 'quarterly-bonus', 'sent', 'quarterly-bonus/q1/2027-Q1']]);
    expect(q1![0]!.subject).toBe('500 bonus roubles for you this quarter');
    // The quarter the customer reads is the calendar's in their zone (Moscow, UTC+3), not the run key.
    const moscow = new Date(now + 3 * 3_600_000);
    const quarter = `${moscow.getUTCFullYear()}-Q${Math.floor(moscow.getUTCMonth() / 3) + 1}`;
    expect(q1![0]!.body).toContain(`<strong>500 roubles</strong> of bonus on your account for ${quarter}`);
    expectAt(q1![0]!.requestedAt, now);
    expect(q2!.map((m) => m.status)).toEqual(['sent']);
    expect(q3!.map((m) => [m.status, m.skipReason])).toEqual([['skipped', 'no_consent']]);
    await recordHistory(runs[0]!, 'quarterly-bonus');
  });

  it('counts an order within 30 days of the offer as a conversion', async () => {
    const run = await startFor('q2', '2027-Q2');
    await env.sleep(10 * DAY);
    const order = event('order.placed', { orderId: 'q2-o' });
    await run.signal(eventSignal, order);
    expect(await run.result()).toBe('completed: converted');
    expect(await runRow(database.db, run.workflowId)).toMatchObject({ status: 'completed', conversionEventId: order.id });
    await recordHistory(run, 'quarterly-bonus-converted');
  });
});
