/** j.sleep, j.sleepUntil (local time of day, local date) and j.sleepUntilElapsed on their own. */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { eventSignal, statusQuery } from '../workflows/contract';
import { localDateTime, parseLocalTime } from '../workflows/dsl/local-time';
import { elapsedProbe, sleepProbe } from './workflows/probes';
import { seedCustomer } from './support/cascade';
import { DAY, HOUR, event, expectAt, ledger, triggerInput } from './support/journeys';
import { useProbes } from './support/probes';
import { taskQueue } from './support/temporal';

let env: TestWorkflowEnvironment;
let database: Database;
useProbes((c) => ({ env, database } = c), { caps: {} });

const localDate = (ms: number, timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date(ms));

async function sleeper(customerId: string, timeZone: string, properties: Record<string, unknown>) {
  await seedCustomer(database.db, { id: customerId, timeZone });
  return env.client.workflow.start(sleepProbe, { workflowId: `sleep-probe/${customerId}`, taskQueue, args: [triggerInput(customerId, event('probe', properties))] });
}

describe('sleeping', () => {
  it('j.sleep waits the duration in workflow time, and the status query shows until when', async () => {
    const now = await env.currentTimeMs();
    const handle = await sleeper('t1', 'UTC', { wait: '3 days' });
    await env.sleep(HOUR);
    const status = await handle.query(statusQuery);
    expect(status.waiting.for).toBe('time');
    expectAt(new Date(status.waiting.until!), now + 3 * DAY, 2000);
    await handle.result();
    expectAt((await ledger(database.db, 't1'))[0]!.requestedAt, now + 3 * DAY);
  });

  it("j.sleepUntil('10:00') wakes at the next 10:00 on the customer's clock", async () => {
    const now = await env.currentTimeMs();
    const zone = 'Asia/Vladivostok';
    const handle = await sleeper('t2', zone, { wait: '10:00' });
    await handle.result();
    const today = localDateTime(localDate(now, zone), parseLocalTime('10:00'), zone);
    expectAt((await ledger(database.db, 't2'))[0]!.requestedAt, today > now ? today : today + DAY);
  });

  it("j.sleepUntil('10:00', { on }) wakes on that local date, and answers false once the date is over", async () => {
    const now = await env.currentTimeMs();
    const zone = 'America/New_York';
    const inFiveDays = localDate(now + 5 * DAY, zone);
    const handle = await sleeper('t3', zone, { wait: '10:00', on: inFiveDays });
    await handle.result();
    expectAt((await ledger(database.db, 't3'))[0]!.requestedAt, localDateTime(inFiveDays, parseLocalTime('10:00'), zone));

    const later = await env.currentTimeMs();
    const late = await sleeper('t4', zone, { wait: '10:00', on: localDate(later - 2 * DAY, zone) });
    expect(await late.result()).toBe('completed: too late');
    expect(await ledger(database.db, 't4')).toHaveLength(0);
  });

  it('j.sleepUntilElapsed counts from the (re)start of the body', async () => {
    const now = await env.currentTimeMs();
    await seedCustomer(database.db, { id: 't5' });
    const handle = await env.client.workflow.start(elapsedProbe, { workflowId: 'elapsed-probe/t5', taskQueue, args: [triggerInput('t5', event('probe'))] });
    await env.sleep(2 * HOUR); // 'first' went at 1 h
    await handle.signal(eventSignal, event('again'));
    await handle.result();
    const rows = await ledger(database.db, 't5');
    expect(rows.map((m) => m.step)).toEqual(['first', 'first', 'second']);
    expectAt(rows[0]!.requestedAt, now + HOUR);
    expectAt(rows[1]!.requestedAt, now + 3 * HOUR, 10_000);
    expectAt(rows[2]!.requestedAt, now + 5 * HOUR, 10_000);
  });
});
