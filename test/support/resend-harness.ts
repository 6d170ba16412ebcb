/**
 * The harness of tests that follow an email through its reports: the dev server, a fresh database,
 * the fake Resend wired both ways (the real adapter sends to it, its signed delivery webhook comes
 * back into the API), the HTTP API and a worker. `ready` receives them once started.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll } from 'vitest';
import type { Database } from '../../db/client';
import { startFakeResend, type FakeResend } from '../fakes/resend';
import { startTestApi, testDeps } from './cascade';
import { createTestDatabase } from './database';
import { resendChannels } from './email';
import { devServerEnv, startWorker } from './temporal';

export interface ResendHarness {
  env: TestWorkflowEnvironment;
  database: Database;
  fake: FakeResend;
  api: Awaited<ReturnType<typeof startTestApi>>;
  worker: Awaited<ReturnType<typeof startWorker>>;
}

export function useCascadeWithResend(ready: (harness: ResendHarness) => void): void {
  const h: Partial<ResendHarness> = {};
  beforeAll(async () => {
    [h.env, h.database, h.fake] = await Promise.all([devServerEnv(), createTestDatabase(), startFakeResend({ rateLimit: null })]);
    h.api = await startTestApi(h.database.db, h.env.client, { resendWebhookSecret: h.fake.webhookSecret });
    h.fake.setWebhookUrl(`${h.api.url}/webhooks/resend`);
    h.worker = await startWorker(h.env, testDeps(h.database.db, { channels: resendChannels(h.fake) }));
    ready(h as ResendHarness);
  });
  afterAll(async () => {
    await h.fake?.close();
    await h.api?.stop();
    await h.worker?.stop();
    await h.env?.teardown();
    await h.database?.close();
  });
}
