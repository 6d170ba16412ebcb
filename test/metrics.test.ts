/**
 * Metrics as Prometheus sees them: the API's GET /metrics after an event goes through the real
 * pipeline (route, run start, send), behind CASCADE_METRICS_TOKEN, and the worker's own endpoint.
 * The worker runs in this process, so both endpoints serve the one registry, as under `npm start`.
 */
import { spawn } from 'node:child_process';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiHandle } from '../processes/api';
import type { Database } from '../db/client';
import { serveMetrics, type MetricsServer } from '../metrics/serve';
import { seedCustomer, TEST_API_KEY, TEST_UNSUBSCRIBE_SECRET, useCascade } from './support/cascade';
import { eventually } from './support/email';
import { expectValidExposition, sampleValue } from './support/prometheus';
import { taskQueue } from './support/temporal';

const TOKEN = 'metrics-token-0123456789';

let env: TestWorkflowEnvironment;
let database: Database;
let api: ApiHandle;
let url: string;
useCascade('dev-server', (c) => ({ env, database } = c));
beforeAll(async () => {
  api = await startApi({ db: database.db, client: env.client, taskQueue, apiKeys: [TEST_API_KEY], port: 0, unsubscribeSecret: TEST_UNSUBSCRIBE_SECRET, metricsToken: TOKEN });
  url = `http://127.0.0.1:${api.port}`;
});
afterAll(async () => {
  await api?.stop();
});

const scrape = async (base = url, token = TOKEN) => {
  const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
};

describe('GET /metrics on the API', () => {
  it('counts an event accepted and routed, the run it starts and the message it sends, in valid Prometheus text', async () => {
    await seedCustomer(database.db, { id: 'm1', name: 'Mia' });
    const before = await scrape();
    const accepted = (t: string) => sampleValue(t, 'cascade_events_accepted_total', { outcome: 'stored' });
    const routed = (t: string) => sampleValue(t, 'cascade_events_routed_total');
    const started = (t: string) => sampleValue(t, 'cascade_runs_started_total', { journey: 'welcome' });
    const sent = (t: string) => sampleValue(t, 'cascade_messages_total', { channel: 'email', journey: 'welcome', status: 'sent' });
    const outboxCalls = (t: string) => sampleValue(t, 'cascade_provider_request_seconds_count', { provider: 'outbox', channel: 'email', outcome: 'ok' });

    const res = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'signup-m1', customerId: 'm1', type: 'customer.signed_up' }),
    });
    expect(res.status).toBe(202);

    const after = await eventually(async () => {
      const t = await scrape();
      return sent(t) > sent(before) ? t : undefined;
    }, 20_000, 'the welcome email to be counted');
    expect(accepted(after) - accepted(before)).toBe(1);
    expect(routed(after) - routed(before)).toBe(1);
    expect(started(after) - started(before)).toBe(1);
    expect(sent(after) - sent(before)).toBe(1);
    expect(outboxCalls(after) - outboxCalls(before)).toBe(1);
    // Read from Postgres at scrape time: nothing left unrouted, nothing dead-lettered.
    expect(after).toMatch(/^cascade_unrouted_events 0$/m);
    expect(after).toMatch(/^cascade_dead_lettered_events 0$/m);
    expect(after).toMatch(/^# TYPE cascade_provider_request_seconds histogram$/m);
    expect(after).toMatch(/^process_cpu_seconds_total /m);
    expectValidExposition(after);
    // No customer id, address or event id in any label.
    expect(after).not.toMatch(/m1@example\.com|signup-m1|customer_id=|"m1"/);
  });

  it('wants the CASCADE_METRICS_TOKEN bearer when one is set, and is not behind the API keys', async () => {
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } })).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });
});

describe("the worker's /metrics endpoint", () => {
  let server: MetricsServer;
  beforeAll(async () => {
    server = await serveMetrics({ port: 0, host: '127.0.0.1', token: TOKEN });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("serves the process's registry in Prometheus text, with the send pipeline's metrics, and nothing else", async () => {
    const base = `http://127.0.0.1:${server.port}`;
    const text = await scrape(base);
    expectValidExposition(text);
    expect(text).toMatch(/^# TYPE cascade_messages_total counter$/m);
    expect(text).toMatch(/^# TYPE cascade_provider_errors_total counter$/m);
    expect(text).toMatch(/^# TYPE cascade_runs_ended_total counter$/m);
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/other`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
  });
});

describe('/metrics beyond loopback', () => {
  it('the API starts, and its /metrics answers 403 naming CASCADE_METRICS_TOKEN when it listens beyond loopback without one; on loopback it serves', async () => {
    const base = { db: database.db, client: env.client, taskQueue, apiKeys: [TEST_API_KEY], port: 0, unsubscribeSecret: TEST_UNSUBSCRIBE_SECRET, router: false as const };
    const [wide, local] = await Promise.all([startApi({ ...base, host: '0.0.0.0' }), startApi({ ...base, host: '127.0.0.1' })]);
    try {
      const closed = await fetch(`http://127.0.0.1:${wide.port}/metrics`);
      expect(closed.status).toBe(403);
      expect(await closed.json()).toMatchObject({ error: { code: 'forbidden', message: expect.stringContaining('CASCADE_METRICS_TOKEN is not set') } });
      // The rest of the API is up.
      expect((await fetch(`http://127.0.0.1:${wide.port}/v1/outbox`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } })).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${local.port}/metrics`)).status).toBe(200);
    } finally {
      await Promise.all([wide.stop(), local.stop()]);
    }
  });

  it("the worker's metrics server refuses to start beyond loopback without a token, saying what to set; on loopback, or with the token, it serves", async () => {
    await expect(serveMetrics({ port: 0, host: '0.0.0.0' })).rejects.toThrow(/CASCADE_METRICS_TOKEN is not set .*CASCADE_WORKER_METRICS_HOST=127\.0\.0\.1.*CASCADE_WORKER_METRICS_PORT=0/);
    const local = await serveMetrics({ port: 0, host: '127.0.0.1' });
    const wide = await serveMetrics({ port: 0, host: '0.0.0.0', token: TOKEN });
    try {
      expect((await fetch(`http://127.0.0.1:${local.port}/metrics`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${wide.port}/metrics`)).status).toBe(401);
      await scrape(`http://127.0.0.1:${wide.port}`);
    } finally {
      await Promise.all([local.stop(), wide.stop()]);
    }
  });

  it('the worker process stops at start-up, before connecting to anything, when its metrics would listen beyond loopback without a token', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'processes/worker.ts'], {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
        CASCADE_UNSUBSCRIBE_SECRET: 'x'.repeat(40),
        CASCADE_METRICS_TOKEN: '',
        CASCADE_WORKER_METRICS_HOST: '0.0.0.0',
        CASCADE_WORKER_METRICS_PORT: '9464',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(out).toContain("The worker's metrics server will not start: CASCADE_METRICS_TOKEN is not set");
  }, 60_000);
});
