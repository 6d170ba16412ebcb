/** j.send and j.sendFirstAvailable on their own: typed results, fall-through, quiet hours. */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { messages, pushTokens, suppressions } from '../db/schema';
import { statusQuery } from '../workflows/contract';
import type { SendResult } from '../workflows/contract';
import { sendProbe, transactionalSendProbe, firstAvailableProbe } from './workflows/probes';
import { seedCustomer } from './support/cascade';
import { HOUR, event, expectAt, ledger, triggerInput, zoneWhereItIs } from './support/journeys';
import { useProbes } from './support/probes';
import { taskQueue } from './support/temporal';

let env: TestWorkflowEnvironment;
let database: Database;
useProbes((c) => ({ env, database } = c), { webhookUrl: 'https://wallet.example.com/hook' });

let n = 0;
async function run(wf: typeof sendProbe, customerId: string, properties: Record<string, unknown> = {}) {
  const handle = await env.client.workflow.start(wf, {
    workflowId: `${wf.options.id}/${customerId}/${++n}`,
    taskQueue,
    args: [triggerInput(customerId, event('probe', properties))],
  });
  return { handle, reason: await handle.result() };
}
const results = (reason: string) => JSON.parse(reason.replace(/^completed: /, '')) as SendResult | SendResult[];

describe('j.send', () => {
  it('answers sent with the ledger id, or skipped with the reason, and never throws for a skip', async () => {
    const now = await env.currentTimeMs();
    await seedCustomer(database.db, { id: 's1', consent: ['email', 'sms', 'push'], phone: null, timeZone: zoneWhereItIs(12, now) });
    await database.db.insert(pushTokens).values({ token: 'token-s1-0123456789', customerId: 's1' });
    await database.db.insert(suppressions).values({ channel: 'push', address: 'token-s1-0123456789', reason: 'unsubscribe' });
    const { reason } = await run(sendProbe, 's1', { channels: ['email', 'sms', 'push', 'webhook'] });
    const [email, sms, push, webhook] = results(reason) as SendResult[];
    const [row] = await ledger(database.db, 's1');
    expect(email).toEqual({ status: 'sent', channel: 'email', messageId: row!.id, step: 'send-email' });
    expect(sms).toEqual({ status: 'skipped', channel: 'sms', reason: 'no_address', step: 'send-sms' });
    expect(push).toEqual({ status: 'skipped', channel: 'push', reason: 'suppressed', step: 'send-push' });
    expect(webhook).toEqual({ status: 'skipped', channel: 'webhook', reason: 'no_consent', step: 'send-webhook' });
  });

  it('skips with frequency_cap past the cap (email: 2 a day)', async () => {
    await seedCustomer(database.db, { id: 's2' });
    const three = results((await run(sendProbe, 's2', { channels: ['email', 'email', 'email'] })).reason) as SendResult[];
    expect(three.map((r) => r.status)).toEqual(['sent', 'sent', 'skipped']);
    expect(three[2]).toMatchObject({ reason: 'frequency_cap', step: 'send-email-2' });
  });

  it('answers failed, and the journey goes on, when the message cannot be made or sent', async () => {
    await seedCustomer(database.db, { id: 's3', phone: '+79120000009' });
    const { reason } = await run(sendProbe, 's3', { channels: ['email', 'sms'], template: 'no-such-template' });
    const [email, sms] = results(reason) as SendResult[];
    expect(email).toMatchObject({ status: 'failed', channel: 'email', step: 'send-email' });
    expect((email as { error: string }).error).toContain('No template no-such-template.email.liquid');
    expect(sms).toMatchObject({ status: 'failed', channel: 'sms' });
  });
});

describe('quiet hours (21:00-09:00 local) for marketing SMS and push', () => {
  it('defers an SMS at 23:00 to 09:00 local, and the status query says so meanwhile', async () => {
    const now = await env.currentTimeMs();
    await seedCustomer(database.db, { id: 'qh1', phone: '+79120000001', timeZone: zoneWhereItIs(23, now) });
    const handle = await env.client.workflow.start(sendProbe, {
      workflowId: 'send-probe/qh1', taskQueue, args: [triggerInput('qh1', event('probe', { channels: ['sms'] }))],
    });
    const nine = now - (now % HOUR) + 10 * HOUR;
    await env.sleep(HOUR);
    const status = await handle.query(statusQuery);
    expect(status).toMatchObject({ step: 'send-sms', waiting: { for: 'time' } });
    expectAt(new Date(status.waiting.until!), nine, 1000);
    expect(await ledger(database.db, 'qh1')).toHaveLength(0);
    await handle.result();
    const [sms] = await ledger(database.db, 'qh1');
    expect(sms).toMatchObject({ channel: 'sms', status: 'sent' });
    expectAt(sms!.requestedAt, nine);
  });

  it('skips instead when asked to, and lets email through at night', async () => {
    const now = await env.currentTimeMs();
    await seedCustomer(database.db, { id: 'qh2', phone: '+79120000002', timeZone: zoneWhereItIs(23, now) });
    const skipped = results((await run(sendProbe, 'qh2', { channels: ['sms', 'email'], quietHours: 'skip' })).reason) as SendResult[];
    expect(skipped.map((r) => [r.channel, r.status, 'reason' in r ? r.reason : undefined])).toEqual([
      ['sms', 'skipped', 'quiet_hours'],
      ['email', 'sent', undefined],
    ]);
    const email = (await ledger(database.db, 'qh2')).find((m) => m.channel === 'email');
    expectAt(email!.requestedAt, now, 30_000);
  });

  it('sends a transactional SMS at night at once', async () => {
    const now = await env.currentTimeMs();
    await seedCustomer(database.db, { id: 'qh3', phone: '+79120000003', timeZone: zoneWhereItIs(23, now) });
    expect(results((await run(transactionalSendProbe, 'qh3')).reason)).toMatchObject({ status: 'sent', channel: 'sms' });
    expectAt((await ledger(database.db, 'qh3'))[0]!.requestedAt, now, 30_000);
  });

  it('sends a marketing SMS at noon at once', async () => {
    const now = await env.currentTimeMs();
    await seedCustomer(database.db, { id: 'qh4', phone: '+79120000004', timeZone: zoneWhereItIs(12, now) });
    const [sms] = results((await run(sendProbe, 'qh4', { channels: ['sms'] })).reason) as SendResult[];
    expect(sms).toMatchObject({ status: 'sent', channel: 'sms' });
    const rows = await ledger(database.db, 'qh4');
    expect(rows.map((m) => [m.channel, m.status])).toEqual([['sms', 'sent']]);
    expectAt(rows[0]!.requestedAt, now, 30_000);
  });
});

describe('j.sendFirstAvailable', () => {
  it('falls through channels the customer cannot be reached on, and stops at the first that sends', async () => {
    const now = await env.currentTimeMs();
    // 23:00 local: an unreachable push must not hold the email back until 09:00.
    await seedCustomer(database.db, { id: 'fa1', consent: ['email'], timeZone: zoneWhereItIs(23, now) });
    const result = results((await run(firstAvailableProbe, 'fa1')).reason) as SendResult;
    expect(result).toMatchObject({ status: 'sent', channel: 'email', step: 'probe:email' });
    const rows = await ledger(database.db, 'fa1');
    expect(rows.map((m) => [m.channel, m.status, m.skipReason])).toEqual([
      ['push', 'skipped', 'no_consent'],
      ['email', 'sent', null],
    ]);
    rows.forEach((m) => expectAt(m.requestedAt, now, 30_000));
  });

  it('answers the last skip when no channel works', async () => {
    await seedCustomer(database.db, { id: 'fa2', consent: [] });
    const result = results((await run(firstAvailableProbe, 'fa2', { channels: ['email', 'sms'] })).reason) as SendResult;
    expect(result).toEqual({ status: 'skipped', channel: 'sms', reason: 'no_consent', step: 'probe:sms' });
    expect((await database.db.select().from(messages)).filter((m) => m.customerId === 'fa2')).toHaveLength(2);
  });
});
