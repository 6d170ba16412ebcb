import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { messages, suppressions } from '../db/schema';
import { orderConfirmation } from '../workflows/journeys/order-confirmation';
import { channelsFromEnv } from '../activities/channels';
import { resendChannel } from '../activities/channels/resend/adapter';
import { startFakeResend } from './fakes/resend';
import { seedCustomer, testDeps, useCascade } from './support/cascade';
import { event, expectAt, ledger, runRow, startJourney, triggerInput } from './support/journeys';
import { startWorker } from './support/temporal';
import { recordHistory } from './support/histories';

let env: TestWorkflowEnvironment;
let database: Database;
useCascade('time-skipping', (c) => ({ env, database } = c));

const order = (orderId: string) => event('order.placed', { orderId, total: 4990, currency: 'RUB' });

describe('order confirmation (transactional)', () => {
  it('confirms each order by email at once, without marketing consent', async () => {
    const now = await env.currentTimeMs();
    await seedCustomer(database.db, { id: 'oc1', name: 'Ilya', consent: [] });
    const first = await startJourney(env, orderConfirmation, 'oc1', order('A-1'));
    expect(await first.result()).toBe('completed');
    const second = await startJourney(env, orderConfirmation, 'oc1', order('A-2'));
    await second.result();
    const rows = await ledger(database.db, 'oc1');
    expect(rows.map((m) => [m.channel, m.template, m.status, m.transactional, m.subject])).toEqual([
      ['email', 'order-confirmation', 'sent', true, 'Order A-1 confirmed'],
      ['email', 'order-confirmation', 'sent', true, 'Order A-2 confirmed'],
    ]);
    expectAt(rows[0]!.requestedAt, now);
    expect(rows[0]!.body).toContain('of RUB\u00A04,990.'); // Intl money in the customer's locale (English here)
    expect(await runRow(database.db, first.workflowId)).toMatchObject({ status: 'completed' });
    await recordHistory(first, 'order-confirmation');
  });

  it('is not held back by the marketing frequency cap', async () => {
    const now = await env.currentTimeMs();
    await seedCustomer(database.db, { id: 'oc2' });
    // Two marketing emails today already: the cap (email 2 a day) is reached.
    for (const step of ['m1', 'm2']) {
      await database.db.insert(messages).values({
        idempotencyKey: `seed/oc2/${step}`, customerId: 'oc2', workflowId: 'welcome/oc2', journey: 'welcome', step, channel: 'email',
        provider: 'outbox', template: 'welcome-hello', status: 'sent', requestedAt: new Date(now - 3600_000),
      });
    }
    await (await startJourney(env, orderConfirmation, 'oc2', order('B-1'))).result();
    const rows = (await ledger(database.db, 'oc2')).filter((m) => m.journey === 'order-confirmation');
    expect(rows.map((m) => m.status)).toEqual(['sent']);
  });

  it('never writes to a suppressed address', async () => {
    await seedCustomer(database.db, { id: 'oc3', email: 'bounced@example.com' });
    await database.db.insert(suppressions).values({ channel: 'email', address: 'bounced@example.com', reason: 'hard_bounce' });
    await (await startJourney(env, orderConfirmation, 'oc3', order('C-1'))).result();
    expect((await ledger(database.db, 'oc3')).map((m) => [m.status, m.skipReason])).toEqual([['skipped', 'suppressed']]);
  });

  it('a confirmation Resend refuses for good is failed in the ledger, and the run still ends', async () => {
    const resend = await startFakeResend({ rateLimit: null });
    // Email through the real Resend adapter with a sender Resend refuses (422 invalid_from_address:
    // permanent, no retry), on a queue of its own; the file's worker keeps the outbox.
    const channels = { ...channelsFromEnv({}), email: resendChannel({ apiKey: resend.apiKey, from: 'not a sender', baseUrl: resend.url }) };
    const worker = await startWorker(env, testDeps(database.db, { channels }), 'cascade-test-resend');
    try {
      await seedCustomer(database.db, { id: 'oc4', email: 'delivered+oc4@resend.dev' });
      const trigger = order('D-1');
      const handle = await env.client.workflow.start(orderConfirmation, {
        workflowId: `order-confirmation/oc4/${trigger.id}`,
        taskQueue: 'cascade-test-resend',
        args: [triggerInput('oc4', trigger)],
      });
      expect(await handle.result()).toBe('completed');
      expect((await ledger(database.db, 'oc4')).map((m) => [m.template, m.status, m.error?.includes('invalid_from_address')])).toEqual([['order-confirmation', 'failed', true]]);
      expect(resend.emails).toHaveLength(0);
      await recordHistory(handle, 'order-confirmation-failed-send');
    } finally {
      await worker.stop();
      await resend.close();
    }
  });
});
