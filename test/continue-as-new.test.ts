/**
 * A journey whose history grows past its limit continues-as-new in its sleeps and waits and picks
 * up where it was: no send twice, the same promo code, the wait's event, and the conversion goal
 * counted after the last message although it came in a later run of the chain.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { expect, it } from 'vitest';
import type { Database } from '../db/client';
import { eventSignal, statusQuery } from '../workflows/contract';
import { longProbe } from './workflows/probes';
import { seedCustomer } from './support/cascade';
import { DAY, HOUR, event, ledger, runRow, triggerInput } from './support/journeys';
import { useProbes } from './support/probes';
import { taskQueue } from './support/temporal';

let env: TestWorkflowEnvironment;
let database: Database;
useProbes((c) => ({ env, database } = c), { caps: {} });

it('crosses continue-as-new in sleeps and waits, sends each step once and still counts the conversion', async () => {
  await seedCustomer(database.db, { id: 'can1' });
  const handle = await env.client.workflow.start(longProbe, {
    workflowId: 'long-probe/can1',
    taskQueue,
    args: [triggerInput('can1', event('probe', {}, 'trigger-can1'))],
  });
  await env.sleep(3 * DAY + 2 * HOUR); // day 3 sent, waiting for a ping
  await handle.signal(eventSignal, event('ping', {}, 'ping-1'));
  await env.sleep(3 * DAY + 2 * HOUR); // days 4-6 sent; in the goal window
  const latest = await env.client.workflow.getHandle('long-probe/can1').describe();
  expect(latest.runId).not.toBe(handle.firstExecutionRunId);
  const status = await env.client.workflow.getHandle('long-probe/can1').query(statusQuery);
  expect(status.sent.map((s) => s.step)).toEqual(['day-1', 'day-2', 'day-3', 'day-4', 'day-5', 'day-6']);
  expect(status.waiting).toMatchObject({ for: 'event', event: 'buy' });

  const buy = event('buy', {}, 'buy-1');
  await env.client.workflow.getHandle('long-probe/can1').signal(eventSignal, buy);
  const reason = await env.client.workflow.getHandle('long-probe/can1').result();
  expect(reason).toBe('completed: converted');

  const rows = await ledger(database.db, 'can1');
  expect(rows.map((m) => m.step)).toEqual(['day-1', 'day-2', 'day-3', 'day-4', 'day-5', 'day-6']);
  // One chain: every key carries the first run's id, so a retry in any later run is the same send.
  expect(new Set(rows.map((m) => m.idempotencyKey.split('/')[2]))).toEqual(new Set([handle.firstExecutionRunId]));
  expect(await runRow(database.db, 'long-probe/can1')).toMatchObject({ status: 'completed', endReason: 'completed: converted', conversionEventId: 'buy-1' });

  // The body ran again from the top in later runs, yet kept its promo code.
  const codes = rows.map((m) => /code (LONG-[A-Z0-9]{6})/.exec(m.body ?? '')?.[1]);
  expect(codes[0]).toBeDefined();
  expect(new Set(codes)).toEqual(new Set([codes[0]]));
});

it('a wait crossed by continue-as-new still gets its event, and the body its outcome', async () => {
  await seedCustomer(database.db, { id: 'can2' });
  const handle = await env.client.workflow.start(longProbe, {
    workflowId: 'long-probe/can2',
    taskQueue,
    args: [triggerInput('can2', event('probe', {}, 'trigger-can2'))],
  });
  await env.sleep(3 * DAY + 2 * HOUR);
  await handle.signal(eventSignal, event('ping', {}, 'ping-2'));
  const reason = await env.client.workflow.getHandle('long-probe/can2').result();
  const [code] = (await ledger(database.db, 'can2')).map((m) => /code (LONG-[A-Z0-9]{6})/.exec(m.body ?? '')?.[1]);
  expect(reason).toBe(`completed: ${code} ping-2`);
});
