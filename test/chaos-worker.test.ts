/**
 * Chaos: the worker process is killed with SIGKILL again and again, at random moments, while 200
 * customers go through three real journeys (real Temporal dev server, real Postgres, the fake
 * Resend and SMSC through the real adapters). Each customer signs up (welcome: an email), books an
 * appointment whose SMS reminder is due seconds later (service-reminder: a real timer), and once the
 * welcome email went out, orders (order-confirmation: an email; the order ends the welcome run).
 * After the last kill a worker is left to finish: every run completed, and each customer got
 * exactly two emails and one SMS, one ledger row each.
 *
 * Meanwhile 40 more customers have their birthday greeting, 20 by push (the fake FCM) and 20 by the
 * webhook channel (a receiver that verifies signatures), neither of which has an idempotency key:
 * each greeting arrives at least once, every copy carries the message's stable id (the ledger id
 * as collapse key; `webhook-id`), deduped by it each customer has exactly one, and a second copy
 * only ever follows a kill.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Database } from '../db/client';
import { FakeFcm } from './fakes/fcm';
import { startFakeResend, type FakeResend } from './fakes/resend';
import { FakeSmsc } from './fakes/smsc';
import { FakeWebhookReceiver } from './fakes/webhook';
import { startTestApi } from './support/cascade';
import {
  ENDS,
  JOURNEYS,
  birthdayGreeting,
  chaosCustomers,
  expectEachMessageOnce,
  expectEachPushAtLeastOnce,
  expectEachWebhookAtLeastOnce,
  expectEveryEventRouted,
  expectRunsEnded,
  order,
  orderAfterWelcome,
  postEvents,
  progress,
  runsStillGoing,
  seedBirthdayCustomers,
  seedChaosCustomers,
  sentTo,
  signUpAndBooking,
  until,
} from './support/chaos';
import { createTestDatabase } from './support/database';
import { devServerEnv, taskQueue } from './support/temporal';
import { killAllWorkerProcesses, startWorkerProcess, type WorkerChild } from './support/worker-child';

const CUSTOMERS = 200;
/** Birthday greetings by push, and as many by webhook. */
const GREETINGS = 20;
const KILLS = 6;
let env: TestWorkflowEnvironment;
let database: Database & { url: string };
let resend: FakeResend;
let smsc: FakeSmsc;
let fcm: FakeFcm;
let wallet: FakeWebhookReceiver;
let api: Awaited<ReturnType<typeof startTestApi>>;

beforeAll(async () => {
  [env, database, resend, smsc, fcm, wallet] = await Promise.all([
    devServerEnv(),
    createTestDatabase(),
    // No rate limit: the storm here is of processes, not of 429s. A send takes a moment, so kills land mid-call.
    startFakeResend({ rateLimit: null, processingMs: 100 }),
    FakeSmsc.start({ login: 'cascade', psw: 'pw' }),
    // Taken at once, answered later: a kill in between leaves a push or webhook delivered but unanswered.
    FakeFcm.start({ processingMs: 150 }),
    FakeWebhookReceiver.start({ processingMs: 150 }),
  ]);
  api = await startTestApi(database.db, env.client);
});
afterAll(async () => {
  await killAllWorkerProcesses();
  await api?.stop();
  await resend?.close();
  await smsc?.close();
  await fcm?.close();
  await wallet?.close();
  await env?.teardown();
  await database?.close();
});

function startWorker(): Promise<WorkerChild> {
  return startWorkerProcess({
    ...smsc.env(),
    ...fcm.env(),
    ...wallet.env(),
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
const providerCalls = () => resend.requests.length + smsc.sendRequests.length + fcm.requests.length + wallet.received.length;

/**
 * Kills the worker at a random point of its work (after 1 to 20 more provider calls, or 3 s) and
 * starts another, `maxKills` times or until `stop`.
 */
function killRepeatedly(maxKills: number) {
  let stopping = false;
  let kills = 0;
  const killedAt: number[] = [];
  let current: WorkerChild | undefined;
  let failure: unknown;
  const done = (async () => {
    current = await startWorker();
    while (!stopping && kills < maxKills) {
      const calls = providerCalls() + 1 + Math.floor(Math.random() * 20);
      const deadline = Date.now() + 3_000;
      while (!stopping && Date.now() < deadline && providerCalls() < calls) await new Promise((r) => setTimeout(r, 20));
      if (stopping) break;
      killedAt.push(Date.now());
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
    /** When each kill began (ms since the epoch). */
    killedAt,
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
  it('loses no run, sends every email and SMS exactly once, every push and webhook at least once under a stable id', { timeout: 480_000 }, async () => {
    // The waits below bound it (240 + 150 + 60 s) and say where it stuck; a quiet box takes about 2 minutes.
    const started = Date.now();
    const at = () => `${Math.round((Date.now() - started) / 1000)} s`;
    const customers = chaosCustomers('wk', CUSTOMERS);
    const byPush = chaosCustomers('wk-push', GREETINGS);
    const byWebhook = chaosCustomers('wk-hook', GREETINGS);
    await seedChaosCustomers(database.db, customers);
    await seedBirthdayCustomers(database.db, byPush, 'push');
    await seedBirthdayCustomers(database.db, byWebhook, 'webhook');
    const journeys = [...JOURNEYS, 'birthday'];
    const chaos = killRepeatedly(KILLS);

    const firstEvents = customers.flatMap((c) => signUpAndBooking(c, 3_000 + Math.random() * 15_000));
    await postEvents(api.call, firstEvents);
    // Greetings in a few waves while the kills go on, so some are in flight when one lands.
    const greetings = byPush.flatMap((c, i) => [birthdayGreeting(c), birthdayGreeting(byWebhook[i]!)]);
    const greeted = (async () => {
      for (let i = 0; i < greetings.length; i += 10) {
        await postEvents(api.call, greetings.slice(i, i + 10));
        await new Promise((r) => setTimeout(r, 1_500));
      }
    })();
    // An order before the welcome email would end the run before it sends; a shop's customers order later.
    const orders = orderAfterWelcome(database.db, api.call, customers);
    const allSent = async () => {
      for (const j of JOURNEYS) if ((await sentTo(database.db, j)).size < CUSTOMERS) return false;
      return (await sentTo(database.db, 'birthday')).size === 2 * GREETINGS;
    };
    await until(`${KILLS} kills`, () => chaos.check() && chaos.finished, 240_000, progress(database.db, journeys));
    const chaosEnded = at();
    await chaos.stop();
    await greeted;
    await until('every message sent', allSent, 150_000, progress(database.db, journeys));
    await orders.done;
    await until('every run ended', async () => (await runsStillGoing(database.db)) === 0, 60_000, progress(database.db, journeys));

    await expectEveryEventRouted(database.db, [...firstEvents, ...customers.map(order), ...greetings].map((e) => e.id));
    await expectRunsEnded(database.db, env.client, customers, ENDS);
    await expectRunsEnded(database.db, env.client, [...byPush, ...byWebhook], { birthday: 'completed' });
    await expectEachMessageOnce(database.db, resend, smsc, customers, { emails: 2, sms: 1 });
    const extraPushes = await expectEachPushAtLeastOnce(database.db, fcm, byPush, chaos.killedAt);
    const extraWebhooks = await expectEachWebhookAtLeastOnce(database.db, wallet, byWebhook, chaos.killedAt);
    console.log(
      `chaos-worker: ${chaos.kills} kills in ${chaosEnded}, all runs ended at ${at()}; ${resend.requests.length} Resend calls for ${resend.emails.length} emails, ` +
        `${smsc.sendRequests.length} SMSC sends (${smsc.statusRequests.length} status checks) for ${smsc.messages.length} SMS; ` +
        `${fcm.sent.length} pushes taken for ${GREETINGS} (${extraPushes} again after a kill), ${wallet.received.length} webhooks for ${GREETINGS} (${extraWebhooks} again)`,
    );
  });
});
