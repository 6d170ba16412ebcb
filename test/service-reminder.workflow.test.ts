import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { suppressions } from '../db/schema';
import { eventSignal } from '../workflows/contract';
import { serviceReminder } from '../workflows/journeys/service-reminder';
import { seedCustomer, useCascade } from './support/cascade';
import { DAY, HOUR, event, expectAt, ledger, runRow, triggerInput, zoneWhereItIs } from './support/journeys';
import { recordHistory } from './support/histories';
import { taskQueue } from './support/temporal';

let env: TestWorkflowEnvironment;
let database: Database;
useCascade('time-skipping', (c) => ({ env, database } = c));

const booked = (appointmentAt: number, appointmentId = 'a1') =>
  event('appointment.booked', { appointmentId, appointmentAt: new Date(appointmentAt).toISOString() });

async function start(customerId: string, trigger: ReturnType<typeof booked>) {
  return env.client.workflow.start(serviceReminder, {
    workflowId: `service-reminder/${customerId}/${trigger.properties.appointmentId}`,
    taskQueue,
    args: [triggerInput(customerId, trigger, String(trigger.properties.appointmentId))],
  });
}

describe('service reminder (transactional)', () => {
  it('texts 24 hours before the appointment, without marketing consent and inside quiet hours', async () => {
    const now = await env.currentTimeMs();
    // 23:00 local now, so 24 hours before an appointment 3 days out is 23:00 too: quiet hours.
    await seedCustomer(database.db, { id: 'sr1', name: 'Oleg', phone: '+79123456701', consent: [], timeZone: zoneWhereItIs(23, now) });
    const appointmentAt = now + 3 * DAY;
    const handle = await start('sr1', booked(appointmentAt));
    expect(await handle.result()).toBe('completed');
    const rows = await ledger(database.db, 'sr1');
    expect(rows.map((m) => [m.channel, m.template, m.status, m.transactional])).toEqual([['sms', 'service-reminder', 'sent', true]]);
    expectAt(rows[0]!.requestedAt, appointmentAt - DAY);
    expect(rows[0]!.body).toMatch(/^Oleg, reminder: your service appointment is on [A-Z][a-z]+ \d\d? at 11:\d\d PM\. To reschedule/);
    expect(await runRow(database.db, handle.workflowId)).toMatchObject({ status: 'completed', endReason: 'completed' });
    await recordHistory(handle, 'service-reminder-sent');
  });

  it('never texts a suppressed number; a marketing unsubscribe does not stop it', async () => {
    const now = await env.currentTimeMs();
    await seedCustomer(database.db, { id: 'sr2', phone: '+79123456702' });
    await database.db.insert(suppressions).values({ channel: 'sms', address: '+79123456702', reason: 'invalid' });
    await (await start('sr2', booked(now + 2 * DAY))).result();
    expect((await ledger(database.db, 'sr2')).map((m) => [m.status, m.skipReason])).toEqual([['skipped', 'suppressed']]);

    const later = await env.currentTimeMs();
    await seedCustomer(database.db, { id: 'sr6', phone: '+79123456706' });
    await database.db.insert(suppressions).values({ channel: 'sms', address: '+79123456706', reason: 'unsubscribe' });
    await (await start('sr6', booked(later + 2 * DAY))).result();
    expect((await ledger(database.db, 'sr6')).map((m) => m.status)).toEqual(['sent']);
  });

  it('starts the clock over when the appointment is moved, and texts once for the new time', async () => {
    const now = await env.currentTimeMs();
    await seedCustomer(database.db, { id: 'sr3', phone: '+79123456703' });
    const handle = await start('sr3', booked(now + 3 * DAY));
    await env.sleep(DAY);
    const movedTo = now + 5 * DAY + 2 * HOUR;
    await handle.signal(eventSignal, booked(movedTo));
    expect(await handle.result()).toBe('completed');
    const rows = await ledger(database.db, 'sr3');
    expect(rows).toHaveLength(1);
    expectAt(rows[0]!.requestedAt, movedTo - DAY);
    expect(rows[0]!.idempotencyKey).toMatch(/\/r1\/service-reminder$/);
    await recordHistory(handle, 'service-reminder-moved');
  });

  it('ends without a text when the appointment is cancelled', async () => {
    const now = await env.currentTimeMs();
    await seedCustomer(database.db, { id: 'sr4', phone: '+79123456704' });
    const handle = await start('sr4', booked(now + 3 * DAY));
    await env.sleep(HOUR);
    await handle.signal(eventSignal, event('appointment.cancelled', { appointmentId: 'a1' }));
    expect(await handle.result()).toBe('exited: appointment.cancelled');
    expect(await ledger(database.db, 'sr4')).toHaveLength(0);
    expect(await runRow(database.db, handle.workflowId)).toMatchObject({ status: 'exited', endReason: 'exited: appointment.cancelled' });
  });

  it('texts at once for an appointment less than a day away, and not at all for one already past', async () => {
    const now = await env.currentTimeMs();
    await seedCustomer(database.db, { id: 'sr5', phone: '+79123456705' });
    const soon = await start('sr5', booked(now + 5 * HOUR, 'soon'));
    await soon.result();
    const rows = await ledger(database.db, 'sr5');
    expect(rows).toHaveLength(1);
    expectAt(rows[0]!.requestedAt, now);
    const past = await start('sr5', booked(now - HOUR, 'past'));
    expect(await past.result()).toBe('completed: appointment already passed');
    expect(await ledger(database.db, 'sr5')).toHaveLength(1);
  });
});
