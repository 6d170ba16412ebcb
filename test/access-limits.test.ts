/**
 * Who may knock, and how often, over HTTP against the real app and Postgres (Temporal is not needed:
 * nothing here is routed). Failed authentication is limited per client address on /v1 and the
 * dashboard's sign-in together, and only failures count; a wrong key retried costs no database read
 * each; everything outside /v1 is limited per address; the client's address and protocol come from
 * X-Forwarded-* only when the proxy is trusted; and a request no route takes gets its 404 unread.
 */
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type AppDeps } from '../api/app';
import type { Database } from '../db/client';
import { TEST_API_KEY, TEST_UNSUBSCRIBE_SECRET } from './support/cascade';
import { createTestDatabase } from './support/database';

// Nothing here reaches Temporal: nothing listens on port 1.
const deadClient = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '500ms' }) });

let database: Database;
/** Statements sent to Postgres since the last reset, as the cost test counts them. */
let statements: string[] = [];
const servers: Server[] = [];

beforeAll(async () => {
  database = await createTestDatabase((sql) => statements.push(sql));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await database?.close();
});

async function serve(deps: Partial<AppDeps>): Promise<string> {
  const app = createApp({ db: database.db, client: deadClient, taskQueue: 'access', apiKeys: [TEST_API_KEY], unsubscribeSecret: TEST_UNSUBSCRIBE_SECRET, ...deps });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** A key of the stored shape that no one holds. */
const wrongKey = () => `csk_${randomBytes(6).toString('hex')}_${randomBytes(32).toString('base64url')}`;

function v1(base: string, key: string | undefined, from?: string, path = '/v1/outbox') {
  return fetch(`${base}${path}`, { headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(from ? { 'x-forwarded-for': from } : {}) } });
}

/** The dashboard's form as a browser opens it: its token and the cookie that must come back with it. */
async function loginForm(base: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/dashboard/login`, { headers });
  const csrf = /name="csrf" value="([^"]+)"/.exec(await res.text())![1]!;
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('cascade_dashboard_login='))!;
  return { csrf, cookie: cookie.split(';')[0]!, setCookie: cookie };
}
async function signIn(base: string, key: string, headers: Record<string, string> = {}) {
  const form = await loginForm(base, headers);
  return fetch(`${base}/dashboard/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: form.cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ key, csrf: form.csrf, next: '/dashboard' }).toString(),
  });
}

function expectRetryAfter(res: Response, windowS: number) {
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(windowS);
}

describe('failed authentication, per client address', () => {
  // Behind a trusted proxy (here: loopback), each X-Forwarded-For is a client of its own.
  let base: string;
  beforeAll(async () => {
    base = await serve({ failedAuthLimit: { limit: 5, windowMs: 60_000 }, trustProxy: ['loopback'] });
  });

  it('answers 429 with Retry-After once an address had 5 keys refused, whatever key it brings next; other addresses pass', async () => {
    const from = '203.0.113.1';
    // A correct client's requests never count, however many at once.
    const busy = await Promise.all(Array.from({ length: 40 }, () => v1(base, TEST_API_KEY, from)));
    expect(busy.map((r) => r.status)).toEqual(Array(40).fill(200));
    for (const key of [wrongKey(), wrongKey(), 'not-a-key', undefined, wrongKey()]) expect((await v1(base, key, from)).status).toBe(401);

    const refused = await v1(base, TEST_API_KEY, from);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited', message: expect.stringContaining('failed authentications from this address') } });
    expectRetryAfter(refused, 60);
    expect((await signIn(base, TEST_API_KEY, { 'x-forwarded-for': from })).status).toBe(429);

    expect((await v1(base, TEST_API_KEY, '203.0.113.2')).status).toBe(200);
  });

  it("counts the dashboard's failed sign-ins with /v1's: one guesser, two doors", async () => {
    const from = '203.0.113.3';
    for (let i = 0; i < 3; i++) expect((await signIn(base, wrongKey(), { 'x-forwarded-for': from })).status).toBe(401);
    for (let i = 0; i < 2; i++) expect((await v1(base, wrongKey(), from)).status).toBe(401);
    const refused = await signIn(base, TEST_API_KEY, { 'x-forwarded-for': from });
    expect(refused.status).toBe(429);
    expectRetryAfter(refused, 60);
    // A page for the person, as the dashboard's other refusals are.
    expect(refused.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await refused.text()).toContain('Too many failed authentications');
    expect((await v1(base, TEST_API_KEY, from)).status).toBe(429);
  });
});

describe('the proxy trusted, or not', () => {
  it("without CASCADE_TRUST_PROXY a client cannot pick its address: X-Forwarded-For is ignored, the peer's counts", async () => {
    const base = await serve({ failedAuthLimit: { limit: 3, windowMs: 60_000 } });
    for (const i of [1, 2, 3]) expect((await v1(base, wrongKey(), `198.51.100.${i}`)).status).toBe(401);
    expect((await v1(base, TEST_API_KEY, '198.51.100.99')).status).toBe(429);
  });

  it('takes https from X-Forwarded-Proto only from a trusted proxy (the Secure cookie)', async () => {
    const [untrusted, trusted] = await Promise.all([serve({}), serve({ trustProxy: 1 })]);
    const proto = { 'x-forwarded-proto': 'https' };
    expect((await loginForm(untrusted, proto)).setCookie).not.toMatch(/; Secure/);
    expect((await loginForm(trusted, proto)).setCookie).toMatch(/; Secure/);
    expect((await loginForm(trusted)).setCookie).not.toMatch(/; Secure/);
  });
});

describe('a wrong key retried', () => {
  it('costs one database read, not one per request', async () => {
    const base = await serve({});
    const key = wrongKey();
    statements = [];
    for (let i = 0; i < 20; i++) expect((await v1(base, key)).status).toBe(401);
    const lookups = statements.filter((s) => /from "api_keys"/.test(s));
    expect(lookups).toHaveLength(1);

    // A key created meanwhile is not mistaken for an unknown one: it was never tried before.
    const created = await fetch(`${base}/v1/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'fresh', scopes: ['read'] }),
    });
    expect(created.status).toBe(201);
    expect((await v1(base, ((await created.json()) as { key: string }).key)).status).toBe(200);
  });
});

describe('the public routes, per client address', () => {
  it('answers 429 with Retry-After past the limit on every route outside /v1, per address, and leaves /v1 to its own limits', async () => {
    const base = await serve({ publicRateLimit: { limit: 5, windowMs: 60_000 }, trustProxy: ['loopback'] });
    const get = (path: string, from: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { redirect: 'manual', headers: { 'x-forwarded-for': from, ...headers } });
    const from = '192.0.2.10';
    for (let i = 0; i < 5; i++) expect((await get('/openapi.json', from)).status).toBe(200);
    for (const path of ['/openapi.json', '/healthz', '/metrics', '/unsubscribe?token=x', '/dashboard/login', '/nothing-here']) {
      const res = await get(path, from);
      expect({ path, status: res.status }).toEqual({ path, status: 429 });
      expectRetryAfter(res, 60);
    }
    const webhook = await fetch(`${base}/webhooks/smsc`, { method: 'POST', headers: { 'x-forwarded-for': from, 'content-type': 'application/x-www-form-urlencoded' }, body: 'id=1' });
    expect(webhook.status).toBe(429);
    expect((await get('/openapi.json', '192.0.2.11')).status).toBe(200);
    expect((await get('/v1/outbox', from, { authorization: `Bearer ${TEST_API_KEY}` })).status).toBe(200);
  });
});

describe('bodies', () => {
  it('answers a POST no route takes with 404 without parsing its body; the routes that take JSON still parse it', async () => {
    const base = await serve({});
    const post = (path: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const nowhere = await post('/nowhere', '{not json');
    expect(nowhere.status).toBe(404);
    expect(await nowhere.json()).toMatchObject({ error: { code: 'not_found' } });
    // Over the JSON limit too: unread, so not 413.
    expect((await post('/nowhere', `{"a":"${'x'.repeat(300_000)}"}`)).status).toBe(404);
    const auth = { authorization: `Bearer ${TEST_API_KEY}` };
    expect((await post('/v1/nowhere', '{not json', auth)).status).toBe(404);

    const bad = await post('/v1/events', '{not json', auth);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_json' } });
    const customer = await fetch(`${base}/v1/customers/body-1`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ email: 'body-1@example.com' }) });
    expect(customer.status).toBe(201);
  });
});
