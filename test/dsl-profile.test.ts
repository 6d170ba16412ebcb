/**
 * j.refreshCustomer, j.promoCode and j.openedWithin on their own (workflows/dsl/primitives/), on the
 * time-skipping server with the real activities: the profile is read again when asked (and `j.customer`
 * follows), a promo code is made once per call site, opens are counted by window.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import type { Database } from '../db/client';
import { messageEvents, messages, suppressions } from '../db/schema';
import { seedCustomer } from './support/cascade';
import { DAY, event, triggerInput } from './support/journeys';
import { useProbes } from './support/probes';
import { taskQueue } from './support/temporal';
import { profileProbe } from './workflows/probes';

let env: TestWorkflowEnvironment;
let database: Database;
useProbes((c) => ({ env, database } = c));

type Seen = { before: string[]; after: string[]; current: string[]; codes: string[]; opened: boolean[] };

describe('the profile, promo code and engagement primitives', () => {
  it('reads the profile again when asked, and j.customer follows', async () => {
    await seedCustomer(database.db, { id: 'p1', phone: '+79120000011', consent: ['email', 'sms'] });
    // Ten days before the run: inside a 30-day window, outside a 7-day one.
    const [sent] = await database.db
      .insert(messages)
      .values({ idempotencyKey: 'p1-old', customerId: 'p1', workflowId: 'welcome/p1', journey: 'welcome', step: 'hello', channel: 'email', provider: 'outbox', template: 'welcome-hello', status: 'opened', requestedAt: new Date(Date.now() - 10 * DAY) })
      .returning();
    await database.db.insert(messageEvents).values({ messageId: sent!.id, type: 'email.opened', occurredAt: new Date(Date.now() - 10 * DAY) });

    const handle = await env.client.workflow.start(profileProbe, { workflowId: 'profile-probe/p1', taskQueue, args: [triggerInput('p1', event('probe'))] });
    // While the run sleeps its day, the customer's email bounces.
    await env.sleep(DAY / 2);
    await database.db.insert(suppressions).values({ channel: 'email', address: 'p1@example.com', reason: 'hard_bounce' });
    const seen = JSON.parse((await handle.result()).replace(/^completed: /, '')) as Seen;

    expect(seen.before.sort()).toEqual(['email', 'sms']);
    expect(seen.after).toEqual(['sms']);
    expect(seen.current).toEqual(['sms']);
    expect(seen.opened).toEqual([true, false]);
    for (const code of seen.codes) expect(code).toMatch(/^P-[A-HJ-NP-Z2-9]{6}$/);
    expect(seen.codes[0]).not.toBe(seen.codes[1]);

    // Replayed from its history against the same code: no determinism error.
    const history = await handle.fetchHistory();
    await expect(
      Worker.runReplayHistory({ workflowBundle: { code: readFileSync(inject('probeBundlePath'), 'utf8') }, replayName: 'profile-probe' }, history, 'profile-probe/p1'),
    ).resolves.toBeUndefined();
  });
});
