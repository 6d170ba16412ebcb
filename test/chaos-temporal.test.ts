/**
 * Chaos: the Temporal server (the dev server on a SQLite file, as `npm start` runs it) is killed
 * with SIGKILL mid-journey and started again on the same file and port. Cascade's worker (its own
 * process) and API (with the client it already had) are left alone: they must reconnect by
 * themselves. At the kill, emails are in flight (the fake Resend takes a moment per email) and SMS
 * reminders sleep on timers due after the restart; while the server is down, more customers sign
 * up. Afterwards every run resumed and ended, every event reached its runs once, and each customer
 * got each message exactly once.
 */
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { startFakeResend, type FakeResend } from './fakes/resend';
import { FakeSmsc } from './fakes/smsc';
import { startTestApi } from './support/cascade';
import {
  ENDS,
  JOURNEYS,
  chaosCustomers,
  expectEachMessageOnce,
  expectEveryEventRouted,
  expectRunsEnded,
  order,
  orderAfterWelcome,
  postEvents,
  progress,
  runsStillGoing,
  seedChaosCustomers,
  sentTo,
  signUpAndBooking,
  until,
} from './support/chaos';
import { createTestDatabase } from './support/database';
import { devServerProcess, type DevServerProcess } from './support/dev-server-process';
import { taskQueue } from './support/temporal';
import { killAllWorkerProcesses, startWorkerProcess } from './support/worker-child';

const BEFORE = 60;
const DURING = 30;

let server: DevServerProcess;
let connection: Connection;
let client: Client;
let database: Database & { url: string };
let resend: FakeResend;
let smsc: FakeSmsc;
let api: Awaited<ReturnType<typeof startTestApi>>;

beforeAll(async () => {
  [server, database, resend, smsc] = await Promise.all([
    devServerProcess(),
    createTestDatabase(),
    startFakeResend({ rateLimit: null, processingMs: 300 }),
    FakeSmsc.start({ login: 'cascade', psw: 'pw' }),
  ]);
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
  api = await startTestApi(database.db, client);
});
afterAll(async () => {
  await killAllWorkerProcesses();
  await api?.stop();
  await connection?.close();
  await resend?.close();
  await smsc?.close();
  await server?.dispose();
  await database?.close();
});

describe('the Temporal server killed mid-journey', () => {
  it('resumes every run after its restart, loses no event and sends nothing twice', { timeout: 300_000 }, async () => {
    const before = chaosCustomers('tb', BEFORE);
    const during = chaosCustomers('td', DURING);
    const everyone = [...before, ...during];
    await seedChaosCustomers(database.db, everyone);
    const worker = await startWorkerProcess({
      ...smsc.env(),
      RESEND_API_KEY: resend.apiKey,
      RESEND_FROM: 'Shop <news@shop.cascade.dev>',
      RESEND_BASE_URL: resend.url,
      CASCADE_PUBLIC_URL: 'https://shop.cascade.dev',
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATABASE_URL: database.url,
    });

    // Reminders fall due 30–50 s on: after the restart, so their timers must survive it.
    const firstEvents = before.flatMap((c) => signUpAndBooking(c, 30_000 + Math.random() * 20_000));
    await postEvents(api.call, firstEvents);
    // Kill while welcome emails are going out: some answered, some in flight, some not yet asked.
    await until('a third of the welcome emails at Resend', () => resend.emails.length >= BEFORE / 3, 120_000);
    await server.kill();
    const inboxAtKill = resend.emails.length;
    const smsAtKill = smsc.messages.length;

    // Sign-ups while Temporal is down: stored and answered (503 "not routed yet", or 202 pending).
    const duringEvents = during.flatMap((c) => signUpAndBooking(c, 5_000 + Math.random() * 10_000));
    const answers = await postEvents(api.call, duringEvents);
    await server.start();

    const orders = orderAfterWelcome(database.db, api.call, everyone);
    const allSent = async () => {
      for (const j of JOURNEYS) if ((await sentTo(database.db, j)).size < everyone.length) return false;
      return true;
    };
    await until('every message sent after the restart', allSent, 180_000, progress(database.db, JOURNEYS));
    await orders.done;
    await until('every run ended', async () => (await runsStillGoing(database.db)) === 0, 60_000, progress(database.db, JOURNEYS));
    console.log(`chaos-temporal: ${inboxAtKill}/${BEFORE} welcome emails and ${smsAtKill}/${BEFORE} reminders at the kill; answers while down: ${JSON.stringify(countBy(answers.map((a) => a.status)))}; ${resend.requests.length} Resend calls for ${resend.emails.length} emails`);

    expect(inboxAtKill).toBeLessThan(BEFORE);
    expect(smsAtKill).toBeLessThan(BEFORE);
    // The same worker process did it all: it rode out the outage rather than dying of it.
    expect(worker.child.exitCode).toBeNull();
    await expectEveryEventRouted(database.db, [...firstEvents, ...duringEvents, ...everyone.map(order)].map((e) => e.id));
    await expectRunsEnded(database.db, client, everyone, ENDS);
    await expectEachMessageOnce(database.db, resend, smsc, everyone, { emails: 2, sms: 1 });
  });
});

function countBy(values: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
