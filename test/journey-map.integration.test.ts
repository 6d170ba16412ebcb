/**
 * The journey map through the real pipeline: a worker started the way `npm run worker` starts one
 * (createWorker, which draws the graphs from the bodies it runs), the Temporal dev server, Postgres,
 * the API. Customers sign up over HTTP; one without email consent, one who orders after the first
 * email. GET /v1/journeys/welcome then counts, per step, what the ledger holds (sent), what
 * Temporal says of each running run (waiting) and the run that converted; the dashboard's SVG in
 * Chromium draws the same steps with the same counts.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { and, eq, notInArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOT_SENT } from '../db/schema';
import type { Database } from '../db/client';
import { messages } from '../db/schema';
import { journeyView } from '../schemas/journeys';
import { createWorker } from '../worker';
import { statusQuery } from '../workflows/contract';
import { useBrowser } from './support/browser';
import { startTestApi, testDeps } from './support/cascade';
import { createTestDatabase } from './support/database';
import { eventually } from './support/journeys';
import { devServerEnv, taskQueue, workflowBundle } from './support/temporal';

let env: TestWorkflowEnvironment;
let database: Database;
let worker: { worker: Worker; connection: NativeConnection; running: Promise<void> };
let api: Awaited<ReturnType<typeof startTestApi>>;
const browser = useBrowser();

beforeAll(async () => {
  [env, database] = await Promise.all([devServerEnv(), createTestDatabase()]);
  const created = await createWorker({ address: env.address, namespace: env.namespace ?? 'default', taskQueue, deps: testDeps(database.db), bundle: workflowBundle() });
  worker = { ...created, running: created.worker.run() };
  api = await startTestApi(database.db, env.client);
});
afterAll(async () => {
  await api?.stop();
  if (worker?.worker.getState() === 'RUNNING') worker.worker.shutdown();
  await worker?.running;
  await worker?.connection.close();
  await env?.teardown();
  await database?.close();
});

const post = (body: unknown) => ({ method: 'POST', body: JSON.stringify(body) });
const put = (body: unknown) => ({ method: 'PUT', body: JSON.stringify(body) });

async function signUp(id: string, email: boolean) {
  expect((await api.call(`/v1/customers/${id}`, put({ email: `${id}@example.com`, name: id, consents: { email } }))).status).toBe(201);
  expect((await api.call('/v1/events?wait=routed', post({ id: `signup-${id}`, customerId: id, type: 'customer.signed_up' }))).status).toBe(202);
}

/** The ledger's own count of welcome messages that reached the provider, per step. */
async function ledgerSent(): Promise<Record<string, number>> {
  const rows = await database.db
    .select({ step: messages.step, n: sql<number>`count(*)::int` })
    .from(messages)
    .where(and(eq(messages.journey, 'welcome'), notInArray(messages.status, [...NOT_SENT])))
    .groupBy(messages.step);
  return Object.fromEntries(rows.map((r) => [r.step, r.n]));
}

/** Temporal's own answer: each running welcome run's step, from its status query. */
async function runningSteps(): Promise<Record<string, number>> {
  const steps: Record<string, number> = {};
  for await (const run of env.client.workflow.list({ query: 'WorkflowType = "welcome" AND ExecutionStatus = "Running"' })) {
    const { step } = await env.client.workflow.getHandle(run.workflowId).query(statusQuery);
    steps[step] = (steps[step] ?? 0) + 1;
  }
  return steps;
}

async function welcome() {
  const res = await api.call('/v1/journeys/welcome');
  expect(res.status).toBe(200);
  return journeyView.parse(await res.json());
}

describe('the journey map on the real pipeline', () => {
  it("counts welcome's customers where the ledger and Temporal have them", async () => {
    // The worker drew the graph as it started, from the code it runs.
    const drawn = await welcome();
    expect(drawn.graphRecordedAt).not.toBeNull();
    expect(drawn).toMatchObject({ id: 'welcome', topic: 'news', trigger: 'customer.signed_up', paused: false, start: 'variant-1' });
    expect(drawn.steps.filter((s) => s.kind === 'send').map((s) => s.id)).toEqual([
      'welcome-hello', 'welcome-fitting', 'welcome-promo', 'welcome-bestsellers', 'welcome-reviews', 'welcome-last-call',
    ]);

    for (const id of ['ann', 'ben', 'eve']) await signUp(id, true);
    await signUp('dan', false); // the first email is skipped (no consent): waiting there, nothing sent
    await eventually(async () => ((await ledgerSent())['welcome-hello'] === 3 ? true : undefined));
    // eve orders after her first email: the goal converts her run, which ends.
    expect((await api.call('/v1/events?wait=routed', post({ id: 'order-eve', customerId: 'eve', type: 'order.placed', properties: { orderId: 'o-eve', total: 990 } }))).status).toBe(202);
    await eventually(async () => ((await runningSteps())['welcome-hello'] === 3 ? true : undefined));

    const expected = { 'welcome-hello': { waiting: 3, sent: 3, converted: 1 } };
    const view = await eventually(async () => {
      const v = await welcome();
      return JSON.stringify(v.counts['welcome-hello']) === JSON.stringify(expected['welcome-hello']) ? v : undefined;
    });
    const sent = await ledgerSent();
    const waiting = await runningSteps();
    expect(sent).toEqual({ 'welcome-hello': 3 });
    expect(waiting).toEqual({ 'welcome-hello': 3 });
    for (const step of view.steps) {
      expect(view.counts[step.id], step.id).toEqual({
        sent: sent[step.id] ?? 0,
        waiting: waiting[step.id] ?? 0,
        converted: step.id === 'welcome-hello' ? 1 : 0,
      });
    }

    const all = await api.call('/v1/journeys');
    expect(all.status).toBe(200);
    const list = (await all.json()) as Array<{ id: string; steps: unknown[] }>;
    expect(list.map((j) => j.id)).toContain('tyre-season');
    expect(list.find((j) => j.id === 'welcome')!.steps).toEqual(view.steps);
    expect((await api.call('/v1/journeys/no-such-journey')).status).toBe(404);

    // Paused is the operator's setting, read where they set it.
    expect((await api.call('/v1/journeys/welcome/pause', { method: 'POST' })).status).toBe(200);
    expect(await welcome()).toMatchObject({ paused: true });
    expect((await api.call('/v1/journeys/welcome/resume', { method: 'POST' })).status).toBe(200);
    expect(await welcome()).toMatchObject({ paused: false });
  });

  it('draws the same steps with the same counts on the dashboard, in Chromium', async () => {
    const view = await welcome();
    const created = await api.call('/v1/api-keys', post({ name: 'map', scopes: ['read'] }));
    const { key } = (await created.json()) as { key: string };
    const page = await (await browser().newContext()).newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await page.goto(`${api.url}/dashboard/journeys`);
    await page.fill('#key', key);
    await Promise.all([page.waitForURL(`${api.url}/dashboard/journeys`), page.click('button[type=submit]')]);
    await page.click('nav a[href="/dashboard/journeys"]');

    const map = page.locator('svg[data-journey-map="welcome"]');
    const shown = await map.locator('g.journey-step').evaluateAll((nodes) =>
      nodes.map((n) => ({
        id: n.getAttribute('data-step'),
        kind: n.getAttribute('data-kind'),
        waiting: n.querySelector('[data-count="waiting"]')?.textContent,
        sent: n.querySelector('[data-count="sent"]')?.textContent,
        converted: n.querySelector('[data-count="converted"]')?.textContent,
        box: n.querySelector('rect')!.getBoundingClientRect().height,
      })),
    );
    expect(shown.map((n) => n.id).sort()).toEqual(view.steps.map((s) => s.id).sort());
    for (const n of shown) {
      const step = view.steps.find((s) => s.id === n.id)!;
      expect(n.kind).toBe(step.kind);
      expect(n.box, `${n.id} is drawn`).toBeGreaterThan(0);
      expect([n.waiting, n.sent, n.converted], n.id!).toEqual([view.counts[n.id!]!.waiting, view.counts[n.id!]!.sent, view.counts[n.id!]!.converted].map(String));
    }
    const edges = await map.locator('path.journey-edge').evaluateAll((paths) => paths.map((p) => `${p.getAttribute('data-from')}>${p.getAttribute('data-to')}`));
    expect(edges.sort()).toEqual(view.steps.flatMap((s) => s.next.map((n) => `${s.id}>${n}`)).sort());
    expect(await map.locator('g.journey-step[data-step="welcome-hello"]').textContent()).toContain('email · welcome-hello');

    // The journey's own page opens with its map.
    await page.goto(`${api.url}/dashboard/journeys/welcome`);
    expect(await page.locator('svg[data-journey-map="welcome"] g.journey-step[data-step="welcome-hello"] [data-count="sent"]').textContent()).toBe('3');
    expect(problems).toEqual([]);
  });
});
