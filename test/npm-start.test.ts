/**
 * `npm start` itself, as the README's first command: the built `dist/start.js` on its embedded
 * defaults (Postgres from npm, the Temporal dev server, a generated API key, all under one data
 * folder), sending email through Resend (the fake, on 127.0.0.1). It comes up, a sign-up's welcome
 * email reaches Resend, SIGTERM stops it cleanly (exit 0, no process of its data folder left), and
 * a second start on the same folder has the customer, the key and the ledger it had.
 * (test/crash-restart.test.ts does the kills and Ctrl+C.)
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir } from '../servers/embedded-postgres';
import { isAlive } from '../servers/pid-files';
import { startFakeResend, type FakeResend } from './fakes/resend';
import { eventually } from './support/journeys';
import {
  buildIfStale,
  npmStartPorts,
  pidFileProcesses,
  processesNaming,
  startNpmStart,
  stopWith,
  type NpmStartPorts,
  type RunningNpmStart,
} from './support/npm-start';

const ANNA = `delivered+anna-${randomBytes(4).toString('hex')}@resend.dev`;
let dir: string;
let ports: NpmStartPorts;
let resend: FakeResend;
let cascade: RunningNpmStart | undefined;

const start = () =>
  startNpmStart(dir, ports, {
    RESEND_API_KEY: resend.apiKey,
    RESEND_FROM: 'Cascade Shop <news@shop.example>',
    RESEND_BASE_URL: resend.url,
    CASCADE_PUBLIC_URL: 'https://cascade.example',
  });

/** The key `npm start` generated on its first start (no CASCADE_API_KEYS). */
const apiKey = () => readFileSync(join(dir, 'api-key'), 'utf8').trim();
const call = (path: string, init: RequestInit = {}) =>
  fetch(`${cascade!.url}${path}`, { ...init, headers: { authorization: `Bearer ${apiKey()}`, 'content-type': 'application/json' } });

beforeAll(async () => {
  buildIfStale();
  resend = await startFakeResend({ rateLimit: null });
  dir = mkdtempSync(join(tmpdir(), 'cascade-npm-start-'));
  ports = await npmStartPorts();
  cascade = await start();
}, 180_000);

afterAll(async () => {
  if (cascade && cascade.child.exitCode === null) await stopWith(cascade.child, 'SIGTERM');
  for (const pid of pidFileProcesses(dir)) process.kill(pid, 'SIGKILL');
  if (dir) removeDataDir(dir);
  await resend?.close();
});

describe('npm start', () => {
  it('comes up on its embedded defaults, prints its key once, and sends a sign-up its welcome email through Resend', async () => {
    expect(cascade!.output()).toContain(`New API key (kept in ${join(dir, 'api-key')}, shown only now):\n  ${apiKey()}`);
    expect(cascade!.output()).toMatch(/Database: +embedded Postgres 127\.0\.0\.1:\d+/);
    expect(cascade!.output()).toMatch(/Channels: +Resend/);
    const put = await call('/v1/customers/anna', {
      method: 'PUT',
      body: JSON.stringify({ email: ANNA, name: 'Anna', timeZone: 'Europe/Moscow', locale: 'en', consents: { email: true } }),
    });
    expect(put.status).toBe(201);
    const signup = await call('/v1/events', { method: 'POST', body: JSON.stringify({ id: 'signup-anna', customerId: 'anna', type: 'customer.signed_up' }) });
    expect([200, 202]).toContain(signup.status);
    const [email] = await eventually(async () => {
      const got = resend.emailsTo(ANNA);
      return got.length ? got : undefined;
    }, 60_000);
    expect(email!.subject).toMatch(/^(Welcome, Anna!|Anna, a gift for your first order inside)$/);
    expect(email!.idempotencyKey).toMatch(/^welcome\/anna\//);
    const sent = await eventually(async () => {
      const { messages } = (await (await call('/v1/customers/anna/messages')).json()) as { messages: Array<{ template: string; status: string }> };
      return messages.find((m) => m.template === 'welcome-hello' && m.status === 'sent');
    });
    expect(sent).toBeTruthy();
  });

  it('stops on SIGTERM with exit code 0, leaving no process of its data folder and no pid file', async () => {
    const running = pidFileProcesses(dir);
    expect(running).toHaveLength(3); // itself, the dev server, Postgres
    expect(processesNaming(dir).length).toBeGreaterThanOrEqual(2);
    expect(await stopWith(cascade!.child, 'SIGTERM')).toBe(0);
    await eventually(async () => (processesNaming(dir).length === 0 ? true : undefined), 10_000).catch(() => undefined);
    expect(processesNaming(dir)).toEqual([]);
    expect(running.filter((pid) => isAlive(pid))).toEqual([]);
    for (const file of ['cascade.pid', 'temporal-dev-server.pid', join('postgres', 'postmaster.pid')]) expect(existsSync(join(dir, file)), file).toBe(false);
  });

  it('starts again on the same folder with the data it had: the key, the customer, the ledger', async () => {
    cascade = await start();
    expect(cascade.output()).not.toContain('New API key');
    const customer = await call('/v1/customers/anna');
    expect(customer.status).toBe(200);
    expect(await customer.json()).toMatchObject({ id: 'anna', email: ANNA, name: 'Anna' });
    const { messages } = (await (await call('/v1/customers/anna/messages')).json()) as { messages: Array<{ template: string; status: string }> };
    expect(messages.filter((m) => m.template === 'welcome-hello').map((m) => m.status)).toEqual(['sent']);
    // The welcome run lived on in the dev server's history file: the worker answers its status query,
    // replaying it from there, and it waits for the next email's day.
    const { items } = (await (await call('/v1/customers/anna/timeline')).json()) as { items: Array<Record<string, unknown>> };
    expect(items.find((i) => i.kind === 'run' && i.journey === 'welcome')).toMatchObject({ phase: 'started', status: 'running', waiting: { for: 'time' } });
    expect(await stopWith(cascade.child, 'SIGTERM')).toBe(0);
    expect(processesNaming(dir)).toEqual([]);
  });
});

