/**
 * The tyre-season SMS for members started directly (one run per member and sale, as a campaign
 * starts them; campaigns themselves are tested in campaigns.test.ts). "Has not opened an email in
 * 90 days" is checked here, on the ledger, as the run checks it again at send time.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { messageEvents, messages } from '../db/schema';
import { tyreSeason } from '../workflows/journeys/tyre-season';
import { seedCustomer, useCascade } from './support/cascade';
import { DAY, HOUR, event, expectAt, ledger, runRow, triggerInput, zoneWhereItIs } from './support/journeys';
import { recordHistory } from './support/histories';
import { taskQueue } from './support/temporal';

let env: TestWorkflowEnvironment;
let database: Database;
useCascade('time-skipping', (c) => ({ env, database } = c));

const SALE = 'tyres-2027-spring';

async function member(id: string, localHour: number, opts: { openedDaysAgo?: number; eventType?: string } = {}) {
  const now = await env.currentTimeMs();
  await seedCustomer(database.db, { id, phone: '+7912111' + id.replace(/\D/g, '').padStart(4, '0'), timeZone: zoneWhereItIs(localHour, now) });
  if (opts.openedDaysAgo !== undefined) {
    const at = new Date(now - opts.openedDaysAgo * DAY);
    const [sent] = await database.db
      .insert(messages)
      .values({ idempotencyKey: `seed/${id}`, customerId: id, workflowId: `welcome/${id}`, journey: 'welcome', step: 'welcome-hello', channel: 'email', provider: 'resend', template: 'welcome-hello', status: 'opened', requestedAt: at })
      .returning();
    await database.db.insert(messageEvents).values({ messageId: sent!.id, type: opts.eventType ?? 'email.opened', providerEventId: `seed-${id}`, occurredAt: at });
  }
  return now;
}

const startFor = (customerId: string) =>
  env.client.workflow.start(tyreSeason, {
    workflowId: `tyre-season/${customerId}/${SALE}`,
    taskQueue,
    args: [triggerInput(customerId, event('campaign', { campaignId: SALE }), SALE)],
  });

describe('tyre season SMS', () => {
  // Each member is set up right before its run: workflow time jumps ahead once a run has ended.
  it('texts the offer to members who have not opened an email in 90 days', async () => {
    for (const [id, openedDaysAgo] of [['t1', undefined], ['t2', 120]] as const) {
      const now = await member(id, 12, { openedDaysAgo });
      const run = await startFor(id);
      expect(await run.result()).toBe('completed');
      const sent = (await ledger(database.db, id)).filter((m) => m.journey === 'tyre-season');
      expect(sent.map((m) => [m.channel, m.template, m.status])).toEqual([['sms', 'tyre-season-offer', 'sent']]);
      expectAt(sent[0]!.requestedAt, now, 30_000);
      if (id === 't1') await recordHistory(run, 'tyre-season-sent');
    }
  });

  it('leaves out members who opened or clicked an email within 90 days', async () => {
    for (const [id, openedDaysAgo, eventType] of [['t3', 30, 'email.opened'], ['t4', 89, 'email.clicked']] as const) {
      await member(id, 12, { openedDaysAgo, eventType });
      const run = await startFor(id);
      expect(await run.result()).toBe('completed: opened an email in the last 90 days');
      expect((await ledger(database.db, id)).filter((m) => m.journey === 'tyre-season')).toHaveLength(0);
      expect(await runRow(database.db, run.workflowId)).toMatchObject({ status: 'completed', endReason: 'completed: opened an email in the last 90 days' });
    }
  });

  it('waits for 09:00 when the sale starts at night where the member lives', async () => {
    const now = await member('t5', 22);
    const run = await startFor('t5');
    await run.result();
    const [sms] = await ledger(database.db, 't5');
    expectAt(sms!.requestedAt, now - (now % HOUR) + 11 * HOUR);
  });
});
