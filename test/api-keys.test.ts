/**
 * API keys on real parts (the dev server, Postgres, the API over HTTP): stored scoped keys created
 * by an admin call or the command, what each scope may do, revocation, limits per key, and the
 * API process's log never holding a key.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyScopes, type ApiKeyScope } from '../access/scopes';
import { startApi, type ApiHandle } from '../processes/api';
import type { Database } from '../db/client';
import { freePort } from '../servers/free-port';
import { TEST_API_KEY, TEST_UNSUBSCRIBE_SECRET, useCascade } from './support/cascade';
import { taskQueue } from './support/temporal';

let env: TestWorkflowEnvironment;
let database: Database & { url: string };
// createTestDatabase's url is there at run time; useCascade types it as a plain Database.
useCascade('dev-server', (c) => ({ env, database } = c as typeof c & { database: typeof database }));

const SHORT_CACHE_MS = 300;
/** The main API (the default 30 s key cache), another "process" with a short cache, one with a low limit. */
let main: ApiHandle, other: ApiHandle, limited: ApiHandle;
beforeAll(async () => {
  const base = { db: database.db, client: env.client, taskQueue, apiKeys: [TEST_API_KEY], port: 0, unsubscribeSecret: TEST_UNSUBSCRIBE_SECRET };
  [main, other, limited] = await Promise.all([
    startApi(base),
    startApi({ ...base, apiKeyCacheMs: SHORT_CACHE_MS }),
    startApi({ ...base, rateLimit: { limit: 3, windowMs: 60_000 } }),
  ]);
});
afterAll(async () => {
  await Promise.all([main, other, limited].map((a) => a?.stop()));
});

type Body = Record<string, any>;
async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
async function call(api: ApiHandle, key: string | undefined, method: string, path: string, body?: unknown) {
  const res = await fetch(`http://127.0.0.1:${api.port}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Body };
}
const asAdmin = (method: string, path: string, body?: unknown) => call(main, TEST_API_KEY, method, path, body);

async function createKey(name: string, scopes: ApiKeyScope[]): Promise<{ id: string; key: string }> {
  const res = await asAdmin('POST', '/v1/api-keys', { name, scopes });
  expect(res.status).toBe(201);
  return res.body as { id: string; key: string };
}

/**
 * Every /v1 route and the scope it needs. New routes belong here: the matrix below checks each
 * answers 401 without a key and 403 to every key without its scope.
 */
const ROUTES: Array<{ method: string; path: string; scope: ApiKeyScope; body?: unknown }> = [
  { method: 'PUT', path: '/v1/customers/matrix', scope: 'ingest', body: {} },
  { method: 'PUT', path: '/v1/customers/matrix/consents', scope: 'ingest', body: { email: false } },
  { method: 'POST', path: '/v1/events', scope: 'ingest', body: { id: 'matrix-1', customerId: 'matrix', type: 'app.opened' } },
  { method: 'GET', path: '/v1/customers/matrix', scope: 'read' },
  { method: 'GET', path: '/v1/customers/matrix/messages', scope: 'read' },
  { method: 'GET', path: '/v1/customers/matrix/consents/history', scope: 'read' },
  { method: 'GET', path: '/v1/outbox', scope: 'read' },
  { method: 'GET', path: '/v1/api-keys', scope: 'admin' },
  { method: 'POST', path: '/v1/api-keys', scope: 'admin', body: { name: 'matrix', scopes: ['read'] } },
  { method: 'DELETE', path: '/v1/api-keys/000000000000', scope: 'admin' },
  { method: 'GET', path: '/v1/doctor', scope: 'admin' },
  { method: 'GET', path: '/v1/alerts', scope: 'read' },
  { method: 'GET', path: '/v1/customers/matrix/timeline', scope: 'read' },
  { method: 'POST', path: '/v1/events/batch', scope: 'ingest', body: { events: [{ id: 'matrix-2', customerId: 'matrix', type: 'app.opened' }] } },
];

describe('API keys', () => {
  it('an admin key creates a scoped key, shown once; the list shows it without any secret', async () => {
    const res = await asAdmin('POST', '/v1/api-keys', { name: 'crm', scopes: ['read', 'ingest', 'read'] });
    expect(res.status).toBe(201);
    const { id, key } = res.body;
    expect(res.body).toMatchObject({ name: 'crm', scopes: ['ingest', 'read'], createdAt: expect.any(String) });
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(key).toMatch(new RegExp(`^csk_${id}_[A-Za-z0-9_-]{43}$`));

    const list = await asAdmin('GET', '/v1/api-keys');
    expect(list.status).toBe(200);
    expect(list.body.keys).toContainEqual({ id, name: 'crm', scopes: ['ingest', 'read'], createdAt: res.body.createdAt, lastUsedAt: null, revokedAt: null });
    expect(JSON.stringify(list.body)).not.toContain(key.slice(-43));

    const badScope = await asAdmin('POST', '/v1/api-keys', { name: 'x', scopes: ['root'] });
    expect(badScope).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', field: 'scopes.0' } } });
    const noName = await asAdmin('POST', '/v1/api-keys', { scopes: ['read'] });
    expect(noName).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', field: 'name' } } });
    const noScopes = await asAdmin('POST', '/v1/api-keys', { name: 'x', scopes: [] });
    expect(noScopes).toMatchObject({ status: 400, body: { error: { field: 'scopes' } } });
  });

  it('an ingest key writes customers, consents and events, and is refused reads and key management', async () => {
    const { id, key } = await createKey('shop', ['ingest']);
    const put = await call(main, key, 'PUT', '/v1/customers/ingest-1', { email: 'ingest-1@example.com' });
    expect(put.status).toBe(201);
    expect((await call(main, key, 'PUT', '/v1/customers/ingest-1/consents', { email: true, source: 'checkout-form' })).status).toBe(200);
    expect((await call(main, key, 'POST', '/v1/events', { id: 'ingest-ev-1', customerId: 'ingest-1', type: 'app.opened' })).status).toBe(202);

    for (const path of ['/v1/customers/ingest-1/messages', '/v1/outbox', '/v1/customers/ingest-1/consents/history']) {
      expect(await call(main, key, 'GET', path)).toMatchObject({ status: 403, body: { error: { code: 'forbidden', message: 'this key lacks the read scope' } } });
    }
    expect(await call(main, key, 'POST', '/v1/api-keys', { name: 'mine', scopes: ['admin'] })).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden', message: 'this key lacks the admin scope' } },
    });

    // The audit trail names the key by its id.
    const history = await asAdmin('GET', '/v1/customers/ingest-1/consents/history');
    expect(history.body.changes[0]).toMatchObject({ channel: 'email', granted: true, actor: `key:${id}` });
  });

  it('a read key reads, and is refused writes and key management', async () => {
    const { key } = await createKey('dashboard', ['read']);
    expect((await asAdmin('PUT', '/v1/customers/read-1', { email: 'read-1@example.com' })).status).toBe(201);
    for (const path of ['/v1/customers/read-1/messages', '/v1/outbox', '/v1/customers/read-1/consents/history']) {
      expect((await call(main, key, 'GET', path)).status).toBe(200);
    }
    const refused = { status: 403, body: { error: { code: 'forbidden', message: 'this key lacks the ingest scope' } } };
    expect(await call(main, key, 'PUT', '/v1/customers/read-1', { name: 'Changed' })).toMatchObject(refused);
    expect(await call(main, key, 'PUT', '/v1/customers/read-1/consents', { email: false })).toMatchObject(refused);
    expect(await call(main, key, 'POST', '/v1/events', { id: 'read-ev-1', customerId: 'read-1', type: 'app.opened' })).toMatchObject(refused);
    expect((await call(main, key, 'GET', '/v1/api-keys')).status).toBe(403);
    // Nothing was written by the refused calls.
    expect((await asAdmin('GET', '/v1/customers/read-1/consents/history')).body.changes).toEqual([]);
  });

  it('every /v1 route: 401 without a key or with an unknown one, 403 to each key without its scope', async () => {
    const keys = Object.fromEntries(await Promise.all(apiKeyScopes.map(async (s) => [s, (await createKey(`only-${s}`, [s])).key] as const)));
    const unknown = `csk_${'0'.repeat(12)}_${randomBytes(32).toString('base64url')}`;
    for (const route of ROUTES) {
      const label = `${route.method} ${route.path}`;
      for (const key of [undefined, unknown, 'not-a-key']) {
        const res = await call(main, key, route.method, route.path, route.body);
        expect({ label, status: res.status, code: res.body?.error?.code }).toEqual({ label, status: 401, code: 'unauthorized' });
      }
      for (const scope of apiKeyScopes) {
        const res = await call(main, keys[scope], route.method, route.path, route.body);
        // Spelled out here, not taken from access/scopes.ts: admin implies every scope.
        if (scope === 'admin' || scope === route.scope) expect([401, 403], `${label} with ${scope}`).not.toContain(res.status);
        else expect({ label, scope, status: res.status, message: res.body.error?.message }).toEqual({ label, scope, status: 403, message: `this key lacks the ${route.scope} scope` });
      }
    }
  });

  it('a revoked key is refused at once where it was revoked, and elsewhere once the key cache expires', async () => {
    const { id, key } = await createKey('leaked', ['read']);
    expect((await call(main, key, 'GET', '/v1/outbox')).status).toBe(200);
    expect((await call(other, key, 'GET', '/v1/outbox')).status).toBe(200);

    expect((await asAdmin('DELETE', `/v1/api-keys/${id}`)).status).toBe(204);
    expect(await call(main, key, 'GET', '/v1/outbox')).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    const revokedAt = Date.now();
    await waitFor(async () => (await call(other, key, 'GET', '/v1/outbox')).status === 401, 5_000);
    expect(Date.now() - revokedAt).toBeLessThan(SHORT_CACHE_MS + 2_000);

    const listed = (await asAdmin('GET', '/v1/api-keys')).body.keys.find((k: Body) => k.id === id);
    expect(listed).toMatchObject({ revokedAt: expect.any(String), lastUsedAt: expect.any(String) });
    expect((await asAdmin('DELETE', `/v1/api-keys/${id}`)).status).toBe(204);
    expect((await asAdmin('GET', '/v1/api-keys')).body.keys.find((k: Body) => k.id === id).revokedAt).toBe(listed.revokedAt);
    expect(await asAdmin('DELETE', '/v1/api-keys/ffffffffffff')).toMatchObject({ status: 404, body: { error: { code: 'not_found', field: 'id' } } });
  });

  it('limits requests per key: over the limit 429 with Retry-After, while another key still passes', async () => {
    const [a, b] = await Promise.all([createKey('busy', ['read']), createKey('quiet', ['read'])]);
    for (let i = 0; i < 3; i++) {
      const ok = await call(limited, a.key, 'GET', '/v1/outbox');
      expect(ok.status).toBe(200);
      expect(ok.headers.get('ratelimit')).toMatch(new RegExp(`r=${2 - i}\\b`));
    }
    const refused = await call(limited, a.key, 'GET', '/v1/outbox');
    expect(refused).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await call(limited, b.key, 'GET', '/v1/outbox')).status).toBe(200);
  });
});

const root = fileURLToPath(new URL('..', import.meta.url));

function run(script: string, args: string[], extraEnv: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'info', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, output: () => out, exited };
}

async function command(...args: string[]): Promise<{ code: number | null; output: string }> {
  const p = run('scripts/api-key.ts', args, {});
  const code = await p.exited;
  return { code, output: p.output() };
}

describe('npm run api-key', () => {
  it('creates a key that works with its scopes, lists it and revokes it', async () => {
    const created = await command('create', '--name', 'from-shell', '--scopes', 'read');
    expect(created.code).toBe(0);
    const key = /^(csk_([0-9a-f]{12})_\S+)$/m.exec(created.output);
    expect(key).not.toBeNull();
    const [, secret, id] = key!;
    expect((await call(main, secret, 'GET', '/v1/outbox')).status).toBe(200);
    expect((await call(main, secret, 'POST', '/v1/events', { id: 'cli-1', customerId: 'x', type: 'app.opened' })).status).toBe(403);

    const list = await command('list');
    expect(list.code).toBe(0);
    expect(list.output).toMatch(new RegExp(`^${id}  from-shell  read  created `, 'm'));
    expect(list.output).not.toContain(secret!.slice(-43));

    expect((await command('revoke', id!)).code).toBe(0);
    await waitFor(async () => (await call(other, secret, 'GET', '/v1/outbox')).status === 401, 5_000);
    expect((await command('revoke', 'ffffffffffff')).code).toBe(1);
    const bad = await command('create', '--name', 'x', '--scopes', 'read,root');
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('--scopes');
  }, 60_000);
});

describe('the API process', () => {
  it('refuses to start with an admin key under 32 characters, saying how to make one and never printing it', async () => {
    const api = run('processes/api.ts', [], {
      TEMPORAL_ADDRESS: env.address,
      CASCADE_API_KEYS: `${randomBytes(32).toString('base64')},short-admin-key`,
      CASCADE_UNSUBSCRIBE_SECRET: randomBytes(32).toString('hex'),
      PORT: String(await freePort()),
    });
    expect(await api.exited).toBe(1);
    expect(api.output()).toContain('Invalid environment variable CASCADE_API_KEYS: key 2 of 2 has 15 characters');
    expect(api.output()).toContain('openssl rand -base64 32');
    expect(api.output()).not.toContain('short-admin-key');
  }, 60_000);


  it('takes its rate limit from CASCADE_RATE_LIMIT and logs key ids, never keys', async () => {
    const adminKey = `admin-${randomBytes(16).toString('hex')}`;
    const port = await freePort();
    const api = run('processes/api.ts', [], {
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      CASCADE_API_KEYS: adminKey,
      CASCADE_UNSUBSCRIBE_SECRET: randomBytes(32).toString('hex'),
      CASCADE_RATE_LIMIT: '3/1m',
      PORT: String(port),
      LOG_LEVEL: 'trace',
    });
    try {
      await waitFor(() => api.output().includes('api listening') || api.child.exitCode !== null, 30_000);
      expect(api.output()).toContain('api listening');
      const processApi = { port } as ApiHandle;
      const created = await call(processApi, adminKey, 'POST', '/v1/api-keys', { name: 'logged', scopes: ['read'] });
      expect(created.status).toBe(201);
      const { id, key } = created.body;
      for (let i = 0; i < 3; i++) expect((await call(processApi, key, 'GET', '/v1/outbox')).status).toBe(200);
      const refused = await call(processApi, key, 'GET', '/v1/outbox');
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await call(processApi, `csk_${id}_${'A'.repeat(43)}`, 'GET', '/v1/outbox')).status).toBe(401);
      await waitFor(() => api.output().includes('api key rate limited'), 5_000);
      // Failed authentication is limited per address by default (CASCADE_FAILED_AUTH_LIMIT, 30 a minute).
      for (let i = 0; i < 29; i++) expect((await call(processApi, `csk_${id}_${'B'.repeat(42)}${i % 10}`, 'GET', '/v1/outbox')).status).toBe(401);
      const guessing = await call(processApi, adminKey, 'GET', '/v1/api-keys');
      expect(guessing).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
      expect(guessing.headers.get('retry-after')).toMatch(/^\d+$/);

      const out = api.output();
      const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Body);
      expect(lines).toContainEqual(expect.objectContaining({ msg: 'api key created', keyId: id, actor: expect.stringMatching(/^key:[0-9a-f]{8}$/) }));
      expect(lines).toContainEqual(expect.objectContaining({ msg: 'api key rate limited', keyId: id }));
      expect(out).not.toContain(adminKey);
      expect(out).not.toContain(key.slice(-43));
    } finally {
      api.child.kill('SIGTERM');
      await api.exited;
    }
  }, 60_000);
});
