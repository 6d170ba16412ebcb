/**
 * The production topology, for real (topology/start.ts): the Go-built Temporal server on a durable
 * Postgres with SQL visibility and 8 history shards, Cascade's API and worker as separate processes,
 * email through the real Resend adapter to the fake Resend. Everything goes through what a team
 * would use: the HTTP API, Temporal's own API (as `temporal workflow list` / `operator cluster
 * describe` do), the server's validator, and the processes' log files.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamicConfigPath, serverSettings } from '../../topology/server-settings';
import { startTopology, type Topology } from '../../topology/start';
import { ensureTemporalServerBinaries, TEMPORAL_SERVER_VERSION } from '../../topology/temporal-build';
import { FakeResend } from '../fakes/resend';
import { eventually } from '../support/journeys';

const FROM = 'Shop <shop@example.com>';
let topology: Topology;
let resend: FakeResend;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  resend = await new FakeResend({ rateLimit: null }).start();
  topology = await startTopology({
    env: {
      RESEND_API_KEY: resend.apiKey,
      RESEND_FROM: FROM,
      RESEND_BASE_URL: resend.url,
      CASCADE_PUBLIC_URL: 'https://cascade.example.com',
      LOG_LEVEL: 'info',
    },
    log: (line) => console.log(`topology: ${line}`),
  });
  connection = await Connection.connect({ address: topology.temporal.address });
  client = new Client({ connection, namespace: topology.temporal.namespace });
});

afterAll(async () => {
  await connection?.close();
  await topology?.stop();
  await resend?.close();
});

async function call(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(`${topology.api!.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${topology.api!.key}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

/** Resend's test mailbox (the fake, like Resend, refuses example.com): delivered, with a label per customer. */
const address = (id: string) => `delivered+${id}@resend.dev`;

async function customer(id: string, extra: Record<string, unknown> = {}): Promise<void> {
  const res = await call(`/v1/customers/${id}`, {
    method: 'PUT',
    body: { email: address(id), name: id, timeZone: 'Europe/Moscow', consents: { email: true }, ...extra },
  });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
}

async function event(id: string, customerId: string, type: string, properties?: Record<string, unknown>): Promise<void> {
  const res = await call('/v1/events', { method: 'POST', body: { id, customerId, type, ...(properties ? { properties } : {}) } });
  expect(res.status, JSON.stringify(res.json)).toBe(202);
}

/** The customer's ledger as the API lists it, once `n` messages have left. */
const sent = (customerId: string, n: number) =>
  eventually(async () => {
    const { json } = await call(`/v1/customers/${customerId}/messages`);
    const out = (json.messages as Array<{ template: string; status: string; journey: string }>).filter((m) => m.status === 'sent');
    return out.length >= n ? out : undefined;
  }, 60_000);

const runsOf = (customerId: string, n: number) =>
  eventually(async () => {
    const runs: Array<{ workflowId: string; status: string }> = [];
    for await (const run of client.workflow.list({ query: `CascadeCustomerId = "${customerId}"` })) runs.push({ workflowId: run.workflowId, status: run.status.name });
    return runs.length >= n ? runs.sort((a, b) => a.workflowId.localeCompare(b.workflowId)) : undefined;
  }, 60_000);

describe('the Temporal server of the production topology', () => {
  it(`is the Go-built server ${TEMPORAL_SERVER_VERSION} on Postgres, persistence and visibility, with the shards deploy/temporal-server.env names`, async () => {
    const info = await connection.workflowService.getClusterInfo({});
    expect(info.serverVersion).toBe(TEMPORAL_SERVER_VERSION);
    expect(info.historyShardCount).toBe(8);
    expect(info.historyShardCount).toBe(serverSettings().historyShards);
    expect(info.persistenceStore).toBe('postgres12');
    expect(info.visibilityStore).toBe('postgres12');
  });

  it('has both databases set up by the sql tool past the empty 0.0 it starts them at', async () => {
    const { history, visibility } = serverSettings().databases;
    for (const database of [history, visibility]) {
      const db = postgres(topology.postgresUrl.replace(/\/postgres$/, `/${database}`), { max: 1, onnotice: () => {} });
      const [row] = await db`select curr_version from schema_version`.finally(() => db.end());
      expect(row!.curr_version, database).toMatch(/^\d+\.\d+$/);
      expect(row!.curr_version, database).not.toBe('0.0');
    }
  });

  it("registers Cascade's search attributes as Keyword in SQL visibility", async () => {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: topology.temporal.namespace });
    // 2 = INDEXED_VALUE_TYPE_KEYWORD
    expect(customAttributes).toMatchObject({ CascadeCustomerId: 2, CascadeJourney: 2, CascadeStep: 2 });
  });

  it('reads deploy/temporal-dynamicconfig.yaml: the server validates it and enforces its id limit', async () => {
    const { server } = await ensureTemporalServerBinaries();
    const { stdout } = await promisify(execFile)(server, ['validate-dynamic-config', dynamicConfigPath]);
    expect(stdout).not.toMatch(/error|warning/i);
    // limit.maxIDLength: 255 there; the server's default is 1000.
    const refused = await client.workflow.start('welcome', { workflowId: 'x'.repeat(256), taskQueue: 'cascade', args: [] }).catch((err: Error) => err);
    expect(refused).toBeInstanceOf(Error);
    expect(String((refused as Error).cause)).toMatch(/WorkflowId.*length|length.*exceed/i);
  });
});

describe('Cascade on the production topology, over HTTP', () => {
  it('runs the API and the worker as separate processes', () => {
    const pids = [process.pid, topology.api!.process.pid, ...topology.workers.map((w) => w.process.pid)];
    expect(new Set(pids).size).toBe(pids.length);
  });

  it("a sign-up's welcome email reaches Resend through the real adapter; the run is listed by CascadeCustomerId", async () => {
    await customer('topo-anna');
    await event('signup-topo-anna', 'topo-anna', 'customer.signed_up');
    expect((await sent('topo-anna', 1)).map((m) => m.template)).toEqual(['welcome-hello']);
    const emails = resend.emailsTo(address('topo-anna'));
    expect(emails).toHaveLength(1);
    expect(emails[0]!.from).toBe(FROM);
    expect(await runsOf('topo-anna', 1)).toEqual([{ workflowId: 'welcome/topo-anna', status: 'RUNNING' }]);
  });

  it('an order reaches the running welcome run (it exits) and starts the confirmation, whose email goes out', async () => {
    await event('order-topo-anna-1', 'topo-anna', 'order.placed', { orderId: 'TA-1' });
    expect(await client.workflow.getHandle('welcome/topo-anna').result()).toBe('exited: order.placed');
    expect((await sent('topo-anna', 2)).map((m) => m.template).sort()).toEqual(['order-confirmation', 'welcome-hello']);
    const runs = await eventually(async () => {
      const r = await runsOf('topo-anna', 2);
      return r.every((x) => x.status === 'COMPLETED') ? r : undefined;
    });
    expect(runs.map((r) => r.workflowId)).toEqual(['order-confirmation/topo-anna/order-topo-anna-1', 'welcome/topo-anna']);
    expect(resend.emailsTo(address('topo-anna'))).toHaveLength(2);
  });

  it('a campaign enrols a small segment once, and each member gets the offer', async () => {
    const members = ['topo-c1', 'topo-c2', 'topo-c3'];
    for (const id of members) await customer(id, { attributes: { cohort: 'topo' } });
    await customer('topo-outsider', { attributes: { cohort: 'none' } });
    const segment = await call('/v1/segments', { method: 'POST', body: { id: 'topo', name: 'topology cohort', where: { attribute: 'attributes.cohort', eq: 'topo' } } });
    expect(segment.status, JSON.stringify(segment.json)).toBe(201);
    const created = await call('/v1/campaigns', { method: 'POST', body: { id: 'topo-bonus', journey: 'quarterly-bonus', segment: 'topo' } });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const done = await eventually(async () => {
      const { json } = await call('/v1/campaigns/topo-bonus');
      return json.status === 'done' ? json : undefined;
    }, 60_000);
    expect(done).toMatchObject({ total: 3, enrolled: 3, skipped: 0 });
    for (const id of members) expect((await sent(id, 1)).map((m) => m.template)).toEqual(['quarterly-bonus']);
    expect(resend.emailsTo(address('topo-outsider'))).toEqual([]);
  });

  it('keeps secrets out of every log file and leaves cascade.env readable by its owner only', () => {
    const secrets = [topology.api!.key, topology.cascadeEnv.CASCADE_UNSUBSCRIBE_SECRET!, new URL(topology.databaseUrl).password, resend.apiKey];
    const logs = readdirSync(topology.dir).filter((f) => f.endsWith('.log'));
    expect(logs.sort()).toEqual(['api.log', 'temporal.log', 'worker-1.log']);
    for (const file of logs) {
      const text = readFileSync(join(topology.dir, file), 'utf8');
      for (const s of secrets) expect(text.includes(s), `${file} holds a secret`).toBe(false);
    }
    expect(statSync(join(topology.dir, 'cascade.env')).mode & 0o077).toBe(0);
  });
});
