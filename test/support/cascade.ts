/** Cascade's own pieces wired for a test: activity deps on a test database, customers, the API. */
import type { Client } from '@temporalio/client';
import type { ActivityDeps } from '../../activities';
import type { AppDeps } from '../../api/app';
import { channelsFromEnv, type ChannelRegistry } from '../../activities/channels';
import { DEFAULT_CAPS, parseCaps } from '../../contactability/caps';
import { createRenderer } from '../../activities/templates';
import { startApi, type ApiHandle } from '../../processes/api';
import type { Db } from '../../db/client';
import { consents, customers, orders } from '../../db/schema';
import { unsubscribeLinks } from '../../lib/unsubscribe-token';
import type { Channel } from '../../workflows/contract';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll } from 'vitest';
import type { Database } from '../../db/client';
import { createTestDatabase } from './database';
import { devServerEnv, startWorker, taskQueue, timeSkippingEnv } from './temporal';

export function testDeps(db: Db, overrides: Partial<ActivityDeps> = {}): ActivityDeps {
  return {
    db,
    channels: channelsFromEnv({}),
    // The suite's journey tests read the English copy; the locale tests pick their own locales.
    render: createRenderer(undefined, { defaultLocale: 'en' }),
    caps: parseCaps(DEFAULT_CAPS),
    unsubscribeUrl: unsubscribeLinks('http://127.0.0.1', TEST_UNSUBSCRIBE_SECRET),
    ...overrides,
  };
}

export async function seedCustomer(
  db: Db,
  c: Partial<typeof customers.$inferInsert> & { id: string; consent?: Channel[]; ordersPlaced?: number },
): Promise<void> {
  const { consent = ['email', 'sms', 'push', 'webhook'], ordersPlaced = 0, ...row } = c;
  await db.insert(customers).values({ timeZone: 'Europe/Moscow', email: `${c.id}@example.com`, ...row });
  for (const channel of consent) await db.insert(consents).values({ customerId: c.id, channel, granted: true });
  for (let i = 0; i < ordersPlaced; i++) {
    await db.insert(orders).values({ id: `${c.id}-past-${i}`, customerId: c.id, source: 'online', placedAt: new Date(Date.now() - (i + 30) * 864e5) });
  }
}

/** As long as CASCADE_API_KEYS wants a key to be (lib/config.ts). */
export const TEST_API_KEY = 'test-key-0123456789abcdef0123456789abcdef';
export const TEST_UNSUBSCRIBE_SECRET = 'test-unsubscribe-secret-0123456789abcdef';

export async function startTestApi(
  db: Db,
  client: Client,
  opts: { resendWebhookSecret?: string; router?: false; publicUrl?: string; extraApiKeys?: string[]; channels?: ChannelRegistry; telegram?: AppDeps['telegram'] } = {},
): Promise<ApiHandle & { url: string; call: typeof fetch }> {
  const api = await startApi({
    db,
    client,
    taskQueue,
    apiKeys: [TEST_API_KEY, ...(opts.extraApiKeys ?? [])],
    port: 0,
    unsubscribeSecret: TEST_UNSUBSCRIBE_SECRET,
    publicUrl: opts.publicUrl,
    resendWebhookSecret: opts.resendWebhookSecret,
    telegram: opts.telegram,
    // The renderer the worker has (testDeps); channels for test sends, the outbox without them.
    templates: { render: testDeps(db).render, channels: opts.channels ?? channelsFromEnv({}) },
    // The test speaks from loopback as a TLS-terminating proxy would (X-Forwarded-Proto: the dashboard's Secure cookie).
    trustProxy: ['loopback'],
    ...(opts.router === false ? { router: false as const } : {}),
  });
  const url = `http://127.0.0.1:${api.port}`;
  const call: typeof fetch = (input, init) =>
    fetch(`${url}${String(input)}`, {
      ...init,
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json', ...(init?.headers ?? {}) },
    });
  return { ...api, url, call };
}

/**
 * The lifecycle every Temporal test file shares: a server, a fresh database and a worker before
 * the file's tests, torn down after. `ready` receives them (vitest runs later afterAll hooks first,
 * so a file's own extra servers stop before these).
 */
export function useCascade(
  server: 'time-skipping' | 'dev-server',
  ready: (c: { env: TestWorkflowEnvironment; database: Database; worker: Awaited<ReturnType<typeof startWorker>> }) => void,
): void {
  let c: Parameters<typeof ready>[0] | undefined;
  beforeAll(async () => {
    const [env, database] = await Promise.all([server === 'dev-server' ? devServerEnv() : timeSkippingEnv(), createTestDatabase()]);
    c = { env, database, worker: await startWorker(env, testDeps(database.db)) };
    ready(c);
  });
  afterAll(async () => {
    await c?.worker.stop();
    await c?.env.teardown();
    await c?.database.close();
  });
}

/** The HTTP API on the file's database and Temporal, started after `useCascade` and stopped before it. */
export function useTestApi(
  stores: () => { database: Database; env: TestWorkflowEnvironment },
  ready: (api: Awaited<ReturnType<typeof startTestApi>>) => void,
): void {
  let api: Awaited<ReturnType<typeof startTestApi>> | undefined;
  beforeAll(async () => {
    const { database, env } = stores();
    api = await startTestApi(database.db, env.client);
    ready(api);
  });
  afterAll(async () => {
    await api?.stop();
  });
}

/** A file's Temporal server, database, worker and HTTP API: the harness most test files share. */
export interface CascadeApi {
  env: TestWorkflowEnvironment;
  database: Database;
  worker: Awaited<ReturnType<typeof startWorker>>;
  api: Awaited<ReturnType<typeof startTestApi>>;
}

/** `useCascade` and `useTestApi` together; the fields are there once the file's `beforeAll` hooks ran. */
export function useCascadeApi(server: 'time-skipping' | 'dev-server'): CascadeApi {
  const harness = {} as CascadeApi;
  useCascade(server, (c) => Object.assign(harness, c));
  useTestApi(() => harness, (api) => (harness.api = api));
  return harness;
}
