/**
 * Chaos: the worker process is killed with SIGKILL again and again, at random moments, while 200
 * customers go through three real journeys (real Temporal dev server, real Postgres, the fake
 * Resend and SMSC through the real adapters). Each customer signs up (welcome: an email), books an
 * appointment whose SMS reminder is due seconds later (service-reminder: a real timer), and once the
 * welcome email went out, orders (order-confirmation: an email; the order ends the welcome run).
 * After the last kill a worker is left to finish: every run completed, and each customer got
 * exactly two emails and one SMS, one ledger row each.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
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
import { devServerEnv, taskQueue } from './support/temporal';
import { killAllWorkerProcesses, startWorkerProcess, type WorkerChild } from './support/worker-child';

const CUSTOMERS = 200;
const KILLS = 6;
let env: TestWorkflowEnvironment;
let database: Database & { url: string };
let resend: FakeResend;
let smsc: FakeSmsc;
let api: Awaited<ReturnType<typeof startTestApi>>;

beforeAll(async () => {
  [env, database, resend, smsc] = await Promise.all([
    devServerEnv(),
    createTestDatabase(),
    // No rate limit: the storm here is of processes, not of 429s. A send takes a moment, so kills land mid-call.
    startFakeResend({ rateLimit: null, processingMs: 100 }),
    FakeSmsc.start({ login: 'cascade', psw: 'pw' }),
  ]);
  api = await startTestApi(database.db, env.client);
});
afterAll(async () => {
  await killAllWorkerProcesses();
  await api?.stop();
  await resend?.close();
  await smsc?.close();
  await env?.teardown();
  await database?.close();
});

function startWorker(): Promise<WorkerChild> {
  return startWorkerProcess({
    ...smsc.env(),
    RESEND_API_KEY: resend.apiKey,
    RESEND_FROM: 'Shop <news@shop.cascade.dev>',
    RESEND_BASE_URL: resend.url,
    CASCADE_PUBLIC_URL: 'https://shop.cascade.dev',
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATABASE_URL: database.url,
  });
}

/** Provider calls answered so far: while the worker makes them, others are in flight. */
const providerCalls = () => resend.requests.length + smsc.sendRequests.length;

/**
 * Kills the worker at a random point of its work (after 1 to 20 more provider calls, or 3 s) and
 * starts another, `maxKills` times or until `stop`.
 */
function killRepeatedly(maxKills: number) {
  let stopping = false;
  let kills = 0;
  let current: WorkerChild | undefined;
  let failure: unknown;
  const done = (async () => {
    current = await startWorker();
    while (!stopping && kills < maxKills) {
      const calls = providerCalls() + 1 + Math.floor(Math.random() * 20);
      const deadline = Date.now() + 3_000;
      while (!stopping && Date.now() < deadline && providerCalls() < calls) await new Promise((r) => setTimeout(r, 20));
      if (stopping) break;
      await current.kill();
      kills++;
      current = await startWorker();
    }
  })().catch((err: unknown) => {
    failure = err;
  });
  return {
    get finished() {
      return kills >= maxKills;
    },
    get kills() {
      return kills;
    },
    /** Throws what broke the loop (a worker that could not start), so waits on it fail at once. */
    check() {
      if (failure) throw failure;
      return true;
    },
    /** Stops killing; the worker running now stays up. */
    async stop() {
      stopping = true;
      await done;
      this.check();
    },
  };
}

describe('a worker killed again and again', () => {
  it('loses no run and sends every message exactly once', { timeout: 300_000 }, async () => {
    const started = Date.now();
    const at = () => `${Math.round((Date.now() - started) / 1000)} s`;
    const customers = chaosCustomers('wk', CUSTOMERS);
    await seedChaosCustomers(database.db, customers);
    const chaos = killRepeatedly(KILLS);

    const firstEvents = customers.flatMap((c) => signUpAndBooking(c, 3_000 + Math.random() * 15_000));
    await postEvents(api.call, firstEvents);
    // An order before the welcome email would end the run before it sends; a shop's customers order later.
    const orders = orderAfterWelcome(database.db, api.call, customers);
    const allSent = async () => {
      for (const j of JOURNEYS) if ((await sentTo(database.db, j)).size < CUSTOMERS) return false;
      return true;
    };
    await until(`${KILLS} kills`, () => chaos.check() && chaos.finished, 240_000, progress(database.db, JOURNEYS));
    const chaosEnded = at();
    await chaos.stop();
    await until('every message sent', allSent, 150_000, progress(database.db, JOURNEYS));
    await orders.done;
    await until('every run ended', async () => (await runsStillGoing(database.db)) === 0, 60_000, progress(database.db, JOURNEYS));
    console.log(`chaos-worker: ${chaos.kills} kills in ${chaosEnded}, all runs ended at ${at()}; ${resend.requests.length} Resend calls for ${resend.emails.length} emails, ${smsc.sendRequests.length} SMSC sends (${smsc.statusRequests.length} status checks) for ${smsc.messages.length} SMS`);

    await expectEveryEventRouted(database.db, [...firstEvents, ...customers.map(order)].map((e) => e.id));
    await expectRunsEnded(database.db, env.client, customers, ENDS);
    await expectEachMessageOnce(database.db, resend, smsc, customers, { emails: 2, sms: 1 });
  });
});
