/**
 * What production and `npm start` run: the ahead-of-time build (scripts/build.mjs), not TypeScript.
 * The built API and worker (`node dist/api.js`, `node dist/worker.js`, as in the Docker image) run
 * as processes of their own against a Temporal dev server started with the flags `npm start` gives
 * it (lib/temporal.ts: history in a file, WAL) and a real Postgres: a sign-up through the API reaches
 * the outbox as the welcome email, which needs the migrations, the templates and the prebuilt
 * workflow bundle to be found from dist/.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Database } from '../db/client';
import { devServerTuningArgs } from '../lib/temporal';
import { root } from '../lib/paths';
import { searchAttributes } from '../workflows/contract';
import { createTestDatabase } from './support/database';
import { eventually } from './support/journeys';

const KEY = `dist-${randomBytes(16).toString('hex')}`;
const children: ChildProcess[] = [];
let env: TestWorkflowEnvironment;
let database: Database & { url: string };
let dir: string;
let api: { url: string; output: () => string };
let worker: { output: () => string };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function run(bundle: string, ready: string, extraEnv: Record<string, string>) {
  const child = spawn(process.execPath, ['--enable-source-maps', join(root, 'dist', bundle)], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: 'dist-test',
      DATABASE_URL: database.url,
      CASCADE_API_KEYS: KEY,
      CASCADE_UNSUBSCRIBE_SECRET: randomBytes(32).toString('hex'),
      CASCADE_WORKER_METRICS_PORT: '0',
      LOG_LEVEL: 'info',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await eventually(async () => (out.includes(ready) || child.exitCode !== null ? true : undefined), 60_000);
  expect(out, `${bundle} did not say "${ready}"`).toContain(ready);
  return { output: () => out };
}

beforeAll(async () => {
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--if-stale'], { cwd: root, stdio: 'inherit' });
  dir = mkdtempSync(join(tmpdir(), 'cascade-dist-'));
  [env, database] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: inject('temporalCli') },
        dbFilename: join(dir, 'temporal.db'),
        searchAttributes,
        extraArgs: devServerTuningArgs('normal'),
      },
    }),
    createTestDatabase(),
  ]);
  const port = await freePort();
  [worker, api] = await Promise.all([
    run('worker.js', 'worker started', {}),
    run('api.js', 'api listening', { PORT: String(port) }).then((p) => ({ ...p, url: `http://127.0.0.1:${port}` })),
  ]);
}, 180_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
  await env?.teardown();
  await database?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const call = (path: string, init: RequestInit = {}) =>
  fetch(`${api.url}${path}`, { ...init, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' } });

describe('the built API and worker (node dist/*.js)', () => {
  it('take a sign-up to the welcome email in the outbox', async () => {
    const customer = await call('/v1/customers/dist-anna', {
      method: 'PUT',
      body: JSON.stringify({ email: 'anna@example.com', name: 'Anna', timeZone: 'Europe/Moscow', consents: { email: true } }),
    });
    expect(customer.status).toBe(201);
    const signup = await call('/v1/events', { method: 'POST', body: JSON.stringify({ id: 'dist-signup-anna', customerId: 'dist-anna', type: 'customer.signed_up' }) });
    expect([200, 202]).toContain(signup.status);
    const email = await eventually(async () => {
      const { messages } = (await (await call('/v1/outbox')).json()) as { messages: Array<{ customerId: string; channel: string; template: string }> };
      return messages.find((m) => m.customerId === 'dist-anna' && m.channel === 'email');
    }, 60_000);
    expect(email.template).toMatch(/welcome/);
  });

  it('serve the dashboard assets from the source tree', async () => {
    for (const asset of ['dashboard.css', 'chart.umd.min.js']) {
      const res = await fetch(`${api.url}/dashboard/assets/${asset}`);
      expect(res.status, asset).toBe(200);
      expect((await res.text()).length, asset).toBeGreaterThan(100);
    }
  });

  it('answer --help with their usage (exit 0) and an unknown flag with a usage error (exit 2), as from source', () => {
    for (const [bundle, usage] of [['start.js', 'usage: npm start'], ['api.js', 'usage: npm run api'], ['worker.js', 'usage: npm run worker'], ['router.js', 'usage: npm run router']]) {
      const help = spawnSync(process.execPath, [join(root, 'dist', bundle!), '--help'], { cwd: root, encoding: 'utf8' });
      expect({ bundle, status: help.status, stdout: help.stdout.split('\n')[0] }).toEqual({ bundle, status: 0, stdout: usage });
      const bad = spawnSync(process.execPath, [join(root, 'dist', bundle!), '--frobnicate'], { cwd: root, encoding: 'utf8' });
      expect({ bundle, status: bad.status, stderr: bad.stderr.split('\n')[0] }).toEqual({ bundle, status: 2, stderr: "Unknown option '--frobnicate'" });
    }
  });

  it('log no failure', () => {
    for (const out of [api.output(), worker.output()]) expect(out).not.toMatch(/"level":(50|60)/);
  });
});

describe("npm start's dev server flags", () => {
  it('keep the history file in write-ahead-log mode', () => {
    expect(existsSync(join(dir, 'temporal.db-wal'))).toBe(true);
  });
});
