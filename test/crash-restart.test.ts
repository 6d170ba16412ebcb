/**
 * `npm start` killed the way the OOM killer does it (`kill -9` of its node process, then of its whole
 * process group), and started again on the same data folder: it comes up (no orphan holds a port or a
 * data file), and every event answered 2xx before the kill reaches its journey exactly once. The
 * built `dist/start.js` with its own Postgres from npm and its own Temporal dev server, as a user
 * runs it; only the ports are free ones instead of 3000/7233/8233.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir } from '../servers/embedded-postgres';
import { eventually } from './support/journeys';
import { buildIfStale, npmStartPorts, pidFileProcesses, startNpmStart, stopWith, type NpmStartPorts, type RunningNpmStart } from './support/npm-start';

const KEY = `crash-${randomBytes(16).toString('hex')}`;
let dir: string;
let ports: NpmStartPorts;
let cascade: RunningNpmStart | undefined;

const startCascade = () => startNpmStart(dir, ports, { CASCADE_API_KEYS: KEY });

const call = (path: string, init: RequestInit = {}) =>
  fetch(`http://127.0.0.1:${ports.api}${path}`, { ...init, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' } });

async function welcomeEmails(): Promise<Map<string, number>> {
  const { messages } = (await (await call('/v1/outbox?limit=500')).json()) as { messages: Array<{ customerId: string; channel: string; template: string }> };
  const perCustomer = new Map<string, number>();
  for (const m of messages) if (m.channel === 'email' && /welcome/.test(m.template)) perCustomer.set(m.customerId, (perCustomer.get(m.customerId) ?? 0) + 1);
  return perCustomer;
}

/**
 * Sign-ups of `n` new customers posted at once; once half are answered 2xx, `kill` runs at once.
 * Returns the customers whose sign-up was answered 2xx before the kill.
 */
async function signUpsCutBy(prefix: string, n: number, kill: () => void): Promise<string[]> {
  for (let i = 0; i < n; i++) {
    const res = await call(`/v1/customers/${prefix}-${i}`, { method: 'PUT', body: JSON.stringify({ email: `${prefix}-${i}@example.com`, consents: { email: true } }) });
    expect(res.status).toBe(201);
  }
  const answered: string[] = [];
  let killed = false;
  await Promise.allSettled(
    Array.from({ length: n }, async (_, i) => {
      const res = await call('/v1/events', { method: 'POST', body: JSON.stringify({ id: `${prefix}-signup-${i}`, customerId: `${prefix}-${i}`, type: 'customer.signed_up' }) });
      if (killed || res.status >= 300) return;
      answered.push(`${prefix}-${i}`);
      if (answered.length >= n / 2) {
        killed = true;
        kill();
      }
    }),
  );
  expect(killed).toBe(true);
  return answered;
}

const leftovers = () => pidFileProcesses(dir);

beforeAll(async () => {
  buildIfStale();
  dir = mkdtempSync(join(tmpdir(), 'cascade-crash-'));
  ports = await npmStartPorts();
  cascade = await startCascade();
}, 180_000);

afterAll(async () => {
  for (const pid of leftovers()) process.kill(pid, 'SIGKILL');
  if (dir) removeDataDir(dir);
});

/**
 * Kills the running Cascade with `kill` once half of a burst of sign-ups is answered, starts it again
 * on the same folder, and checks that each sign-up answered 2xx before the kill got one welcome email.
 */
async function killAndRestart(prefix: string, kill: (child: ChildProcess) => void, afterKill: () => void = () => {}): Promise<void> {
  const { child } = cascade!;
  const exited = new Promise((r) => child.once('exit', r));
  const accepted = await signUpsCutBy(prefix, 24, () => kill(child));
  await exited;
  afterKill();
  cascade = await startCascade();
  const emails = await eventually(async () => {
    const got = await welcomeEmails();
    return accepted.every((c) => got.has(c)) ? got : undefined;
  }, 90_000);
  for (const c of accepted) expect(emails.get(c), c).toBe(1);
  for (const [c, count] of emails) expect(count, c).toBe(1);
}

describe('npm start after a kill -9', () => {
  it('comes back after its node process is killed, and every accepted sign-up gets one welcome email', async () => {
    // Its servers outlive it, as they do after a real OOM kill.
    await killAndRestart('oom', (child) => child.kill('SIGKILL'), () => expect(leftovers().length).toBeGreaterThan(0));
  });

  it('comes back after its whole process group is killed', async () => {
    await killAndRestart('group', (child) => process.kill(-child.pid!, 'SIGKILL'));
  });

  it('stops on Ctrl+C leaving no process and no pid file behind', async () => {
    expect(await stopWith(cascade!.child, 'SIGINT')).toBe(0);
    expect(leftovers()).toEqual([]);
    expect(existsSync(join(dir, 'cascade.pid'))).toBe(false);
    expect(existsSync(join(dir, 'temporal-dev-server.pid'))).toBe(false);
  });
});
