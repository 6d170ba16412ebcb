/**
 * Exactly once across a worker crash, for real: a worker process (test/support/worker-process.ts,
 * built like worker.ts) runs the service-reminder journey on the Temporal dev server against a real
 * Postgres and the fake SMSC. SMSC accepts the SMS and holds its answer; the test kills the worker
 * with SIGKILL right then, before the ledger update. A fresh worker process picks the activity up
 * when Temporal times the lost attempt out (startToCloseTimeout, 1 minute of real time on the dev
 * server), asks status.php, finds the message and does not send it again.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { journeyWorkflowId } from '../workflows/contract';
import { serviceReminder } from '../workflows/journeys/service-reminder';
import { FakeSmsc } from './fakes/smsc';
import { seedCustomer } from './support/cascade';
import { createTestDatabase } from './support/database';
import { event, HOUR, ledger, triggerInput } from './support/journeys';
import { devServerEnv } from './support/temporal';
import { killAllWorkerProcesses, startWorkerProcess, type WorkerChild } from './support/worker-child';

const QUEUE = 'crash-test';
let env: TestWorkflowEnvironment;
let database: Database & { url: string };
let smsc: FakeSmsc;

beforeAll(async () => {
  [env, database, smsc] = await Promise.all([devServerEnv(), createTestDatabase(), FakeSmsc.start({ login: 'cascade', psw: 'pw' })]);
});
afterAll(async () => {
  await killAllWorkerProcesses();
  await smsc?.close();
  await env?.teardown();
  await database?.close();
});

function startWorker(): Promise<WorkerChild> {
  return startWorkerProcess({
    ...smsc.env({ SMSC_TIMEOUT_MS: '20000' }),
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_TASK_QUEUE: QUEUE,
    DATABASE_URL: database.url,
  });
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('a worker killed between the provider and the ledger', () => {
  it('is restarted and the customer has exactly one SMS', { timeout: 240_000 }, async () => {
    const phone = '+79161234567';
    await seedCustomer(database.db, { id: 'crash-1', name: 'Anna', phone, timeZone: 'Europe/Moscow', consent: [] });
    const first = await startWorker();

    smsc.holdNextAccepts('hang');
    const booked = event('appointment.booked', { appointmentId: 'appt-1', appointmentAt: new Date(Date.now() + 23 * HOUR).toISOString() });
    const handle = await env.client.workflow.start(serviceReminder, {
      workflowId: journeyWorkflowId('service-reminder', 'crash-1', 'appt-1'),
      taskQueue: QUEUE,
      args: [triggerInput('crash-1', booked, 'appt-1')],
    });

    const [accepted] = await smsc.waitForMessages(1, 60_000);
    await first.kill();
    const [row] = await ledger(database.db, 'crash-1');
    expect(row).toMatchObject({ id: accepted!.id, status: 'pending', channel: 'sms' });
    expect(accepted!.phone).toBe(phone.slice(1));

    const second = await startWorker();
    const sent = await until(async () => {
      const [r] = await ledger(database.db, 'crash-1');
      return r?.status === 'sent' ? r : undefined;
    }, 150_000);
    expect(await handle.result()).toBe('completed');
    await second.kill();

    expect(sent).toMatchObject({ provider: 'smsc', providerMessageId: String(accepted!.id) });
    expect(smsc.messages).toHaveLength(1);
    expect(smsc.sendRequests).toHaveLength(1);
    expect(smsc.statusRequests).toMatchObject([{ id: String(accepted!.id), phone: phone.slice(1) }]);
    expect(await ledger(database.db, 'crash-1')).toHaveLength(1);
  });
});
