/** j.waitFor, the inbox (buffering, dedupe), exitOn, restartOn, goals, enterIf and the status query. */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { eventSignal, statusQuery } from '../workflows/contract';
import { enterIfProbe, optionsProbe, waitProbe } from './workflows/probes';
import { seedCustomer } from './support/cascade';
import { DAY, HOUR, event, expectAt, ledger, runRow, triggerInput } from './support/journeys';
import { useProbes } from './support/probes';
import { taskQueue } from './support/temporal';

let env: TestWorkflowEnvironment;
let database: Database;
useProbes(async (c) => {
  ({ env, database } = c);
  for (const id of ['e1', 'e2', 'e3', 'e4', 'e5', 'o1', 'o2', 'o3', 'o4', 'o5']) await seedCustomer(database.db, { id });
  await seedCustomer(database.db, { id: 'vip', attributes: { vip: true } });
});

const start = (wf: typeof waitProbe, customerId: string, properties: Record<string, unknown> = {}) =>
  env.client.workflow.start(wf, {
    workflowId: `${wf.options.id}/${customerId}`,
    taskQueue,
    args: [triggerInput(customerId, event('probe', properties, `trigger-${customerId}`))],
  });
const got = (reason: string) => JSON.parse(reason.replace(/^completed: /, '')) as Array<string | null>;

describe('j.waitFor', () => {
  it('returns the event when it comes, and null after the timeout', async () => {
    const now = await env.currentTimeMs();
    const handle = await start(waitProbe, 'e1');
    await env.sleep(5 * HOUR);
    const status = await handle.query(statusQuery);
    expect(status.waiting).toMatchObject({ for: 'event', event: 'ping | pong' });
    expectAt(new Date(status.waiting.until!), now + 2 * DAY, 2000);
    await handle.signal(eventSignal, event('ping', {}, 'ping-1'));
    expect(got(await handle.result())).toEqual(['ping:ping-1', null]);
  });

  it('keeps events that arrive before the wait, and takes them in order', async () => {
    const handle = await start(waitProbe, 'e2', { wait: '1 day' });
    await env.sleep(HOUR);
    await handle.signal(eventSignal, event('ping', {}, 'early-1'));
    await handle.signal(eventSignal, event('ping', {}, 'early-2'));
    expect((await handle.query(statusQuery)).waiting.for).toBe('time');
    expect(got(await handle.result())).toEqual(['ping:early-1', 'ping:early-2']);
  });

  it('drops a second event with the same id', async () => {
    const handle = await start(waitProbe, 'e3', { wait: '1 hour' });
    await handle.signal(eventSignal, event('ping', { copy: 1 }, 'same-id'));
    await handle.signal(eventSignal, event('ping', { copy: 2 }, 'same-id'));
    // The trigger's own id (delivered again by signalWithStart) is dropped too.
    await handle.signal(eventSignal, event('ping', {}, 'trigger-e3'));
    expect(got(await handle.result())).toEqual(['ping:same-id', null]);
  });

  it('matches a predicate and ignores events it rejects', async () => {
    const handle = await start(waitProbe, 'e4');
    await handle.signal(eventSignal, event('pong', { n: 1 }, 'pong-1'));
    await handle.signal(eventSignal, event('pong', { n: 2 }, 'pong-2'));
    expect(got(await handle.result())).toEqual(['pong:pong-2', null]);
  });
});

describe('journey options', () => {
  it('exitOn ends the run at once with "exited: <type>", recorded in journey_runs', async () => {
    const handle = await start(optionsProbe, 'o1');
    await env.sleep(DAY + HOUR);
    await handle.signal(eventSignal, event('stop'));
    expect(await handle.result()).toBe('exited: stop');
    expect((await ledger(database.db, 'o1')).map((m) => m.step)).toEqual(['one']);
    expect(await runRow(database.db, handle.workflowId)).toMatchObject({ status: 'exited', endReason: 'exited: stop' });
    expect((await handle.query(statusQuery)).ended).toBe('exited: stop');
  });

  it('restartOn starts the body over, with fresh step ids', async () => {
    const now = await env.currentTimeMs();
    const handle = await start(optionsProbe, 'o2');
    await env.sleep(DAY + 12 * HOUR);
    await handle.signal(eventSignal, event('again'));
    expect(await handle.result()).toBe('completed');
    const rows = await ledger(database.db, 'o2');
    expect(rows.map((m) => m.step)).toEqual(['one', 'one', 'two', 'three']);
    expect(rows[1]!.idempotencyKey).toMatch(/\/r1\/one$/);
    expectAt(rows[1]!.requestedAt, now + 2 * DAY + 12 * HOUR, 10_000);
  });

  it('records the goal when it comes within the window after a message, and waits the window out', async () => {
    const handle = await start(optionsProbe, 'o3');
    await env.sleep(3 * DAY + 6 * HOUR); // all three sent; the goal window runs to day 4
    expect((await handle.query(statusQuery)).waiting).toMatchObject({ for: 'event', event: 'buy' });
    const buy = event('buy');
    await handle.signal(eventSignal, buy);
    expect(await handle.result()).toBe('completed: converted');
    expect(await runRow(database.db, handle.workflowId)).toMatchObject({ status: 'completed', endReason: 'completed: converted', conversionEventId: buy.id });
    expect((await handle.query(statusQuery)).converted).toBe(true);
  });

  it('does not count the goal before any message was sent', async () => {
    const handle = await start(optionsProbe, 'o4');
    await env.sleep(12 * HOUR);
    await handle.signal(eventSignal, event('buy'));
    expect(await handle.result()).toBe('completed');
    expect(await runRow(database.db, handle.workflowId)).toMatchObject({ status: 'completed', endReason: 'completed', conversionEventId: null });
  });

  it('enterIf turns customers away with the reason, before anything is sent', async () => {
    const away = await start(enterIfProbe, 'o5');
    expect(await away.result()).toBe('not entered: not a VIP');
    expect(await ledger(database.db, 'o5')).toHaveLength(0);
    const vip = await start(enterIfProbe, 'vip');
    expect(await vip.result()).toBe('completed');
    expect(await ledger(database.db, 'vip')).toHaveLength(1);
  });

  it('the status query says where the run is, what it sent and why it waits', async () => {
    const now = await env.currentTimeMs();
    await seedCustomer(database.db, { id: 'o6', consent: [] });
    const handle = await start(optionsProbe, 'o6');
    await env.sleep(DAY + HOUR);
    const status = await handle.query(statusQuery);
    expect(status).toEqual({
      journey: 'options-probe',
      customerId: 'o6',
      step: 'one',
      waiting: { for: 'time', until: expect.any(String) },
      sent: [{ step: 'one', channel: 'email', status: 'skipped', reason: 'no_consent' }],
      converted: false,
    });
    expectAt(new Date(status.waiting.until!), now + 2 * DAY, 2000);
    await handle.signal(eventSignal, event('stop'));
    await handle.result();
  });
});
