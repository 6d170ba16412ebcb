/**
 * The dashboard's sign-in over plain HTTP: a page without a session sends you to the login form,
 * the form wants its own token (CSRF) and a known key with the read scope, the cookie holds a random
 * session id (never the key; the database only its SHA-256), HttpOnly, SameSite=Strict, scoped to
 * /dashboard, with a Max-Age, Secure behind https or with an https public URL; an expired session, a
 * revoked key (in any process) and an environment key no longer configured are signed out, sign-out
 * wants the page's token and ends the session on the server, and a bad filter is refused naming the field.
 */
import { createHash } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { dashboardSessions } from '../db/schema';
import { TEST_API_KEY, startTestApi, useCascadeApi } from './support/cascade';

const cascade = useCascadeApi('time-skipping');

/** A request as a browser without JavaScript makes it: cookies by hand, redirects not followed. */
function get(path: string, cookie = '', headers: Record<string, string> = {}, base = cascade.api.url) {
  return fetch(`${base}${path}`, { redirect: 'manual', headers: { cookie, ...headers } });
}
function post(path: string, form: Record<string, string>, cookie = '', headers: Record<string, string> = {}, base = cascade.api.url) {
  return fetch(`${base}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}
const cookiesOf = (res: Response) => res.headers.getSetCookie();
const cookieNamed = (res: Response, name: string) => cookiesOf(res).find((c) => c.startsWith(`${name}=`));
const pair = (setCookie: string | undefined) => setCookie?.split(';')[0] ?? '';

/** The login form's token and its cookie, as a browser gets them by opening the form. */
async function loginForm(headers: Record<string, string> = {}, base = cascade.api.url) {
  const res = await get('/dashboard/login', '', headers, base);
  expect(res.status).toBe(200);
  const page = await res.text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
  return { csrf, cookie: pair(cookieNamed(res, 'cascade_dashboard_login')), res, page };
}

async function signIn(key: string, headers: Record<string, string> = {}, base = cascade.api.url) {
  const form = await loginForm(headers, base);
  const res = await post('/dashboard/login', { key, csrf: form.csrf, next: '/dashboard' }, form.cookie, headers, base);
  return { res, session: pair(cookieNamed(res, 'cascade_dashboard')) };
}

/** The stored row of a session cookie (`cascade_dashboard=<id>`): looked up by the id's SHA-256, as the server does. */
const digestOfCookie = (session: string) => createHash('sha256').update(decodeURIComponent(session.split('=')[1]!)).digest('hex');
async function sessionRow(session: string) {
  const [row] = await cascade.database.db.select().from(dashboardSessions).where(eq(dashboardSessions.digest, digestOfCookie(session)));
  return row;
}
/** The page a session opens: 200, or 303 to the login form once it is over. */
const home = async (session: string, base = cascade.api.url) => {
  const res = await get('/dashboard', session, {}, base);
  return { status: res.status, location: res.headers.get('location'), cookie: cookieNamed(res, 'cascade_dashboard') };
};

async function scopedKey(name: string, scopes: string[]): Promise<{ id: string; key: string }> {
  const res = await cascade.api.call('/v1/api-keys', { method: 'POST', body: JSON.stringify({ name, scopes }) });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; key: string };
}

describe('dashboard sign-in', () => {
  it('sends a visitor without a session to the login form, and back to the page asked for after it', async () => {
    const res = await get('/dashboard/journeys/welcome?attribution=last-click');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/dashboard/login?next=${encodeURIComponent('/dashboard/journeys/welcome?attribution=last-click')}`);

    const { page, res: form } = await loginForm();
    expect(form.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(form.headers.get('cache-control')).toBe('no-store');
    expect(page).toContain('type="password"');
    // The form posts the key in the body: nothing in the form puts it in a URL.
    expect(page).toContain('method="post" action="/dashboard/login"');

    const read = await scopedKey('dash-read', ['read']);
    const login = await loginForm();
    const res2 = await post('/dashboard/login', { key: read.key, csrf: login.csrf, next: '/dashboard/journeys/welcome?attribution=last-click' }, login.cookie);
    expect(res2.status).toBe(303);
    expect(res2.headers.get('location')).toBe('/dashboard/journeys/welcome?attribution=last-click');
  });

  it('keeps a random session id, not the key, in an HttpOnly, SameSite=Strict cookie for /dashboard that expires; the database holds its SHA-256', async () => {
    const read = await scopedKey('dash-cookie', ['read']);
    const { res, session } = await signIn(read.key);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dashboard');
    const cookie = cookieNamed(res, 'cascade_dashboard')!;
    // The cookie opens the dashboard and nothing else: no part of the key is in it.
    expect(cookie).not.toContain(read.key);
    expect(cookie).not.toContain(encodeURIComponent(read.key));
    expect(cookie).not.toContain(read.key.slice('csk_000000000000_'.length));
    expect(session).toMatch(/^cascade_dashboard=[A-Za-z0-9_-]{43}$/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\/dashboard/);
    expect(cookie).not.toMatch(/; Secure/);
    expect(cookie).toMatch(/; Max-Age=43200;/);
    // The login form's token is spent.
    expect(cookieNamed(res, 'cascade_dashboard_login')).toMatch(/Expires=Thu, 01 Jan 1970/);
    const page = await get('/dashboard', session);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('href="/dashboard/journeys/welcome"');
    // The read key works as a bearer token still: the cookie does not.
    expect((await fetch(`${cascade.api.url}/v1/outbox`, { headers: { authorization: `Bearer ${read.key}` } })).status).toBe(200);
    expect((await fetch(`${cascade.api.url}/v1/outbox`, { headers: { authorization: `Bearer ${session.split('=')[1]}` } })).status).toBe(401);

    // On the server: the id's digest, the key's id, twelve hours; the id itself is stored nowhere.
    const row = (await sessionRow(session))!;
    expect(row.keyId).toBe(read.id);
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBe(12 * 3_600_000);
    const stored = JSON.stringify(await cascade.database.db.select().from(dashboardSessions));
    expect(stored).not.toContain(session.split('=')[1]);
    expect(stored).not.toContain(read.key);

    const https = await signIn(TEST_API_KEY, { 'x-forwarded-proto': 'https' });
    expect(cookieNamed(https.res, 'cascade_dashboard')).toMatch(/; Secure/);
  });

  it('sets Secure on its cookies when CASCADE_PUBLIC_URL is https, even when the proxy says nothing', async () => {
    const secure = await startTestApi(cascade.database.db, cascade.env.client, { router: false, publicUrl: 'https://cascade.shop.example' });
    try {
      const form = await loginForm({}, secure.url);
      expect(cookieNamed(form.res, 'cascade_dashboard_login')).toMatch(/; Secure/);
      const { res } = await signIn(TEST_API_KEY, {}, secure.url);
      expect(res.status).toBe(303);
      expect(cookieNamed(res, 'cascade_dashboard')).toMatch(/; Secure/);
      expect(cookieNamed(res, 'cascade_dashboard')).toMatch(/; HttpOnly/);
    } finally {
      await secure.stop();
    }
  });

  it('signs out an expired session and deletes it; a sign-in clears expired rows', async () => {
    const { session } = await signIn(TEST_API_KEY);
    expect((await home(session)).status).toBe(200);
    // Twelve hours later, as far as the row is concerned.
    await cascade.database.db.update(dashboardSessions).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(dashboardSessions.digest, digestOfCookie(session)));
    const after = await home(session);
    expect(after.status).toBe(303);
    expect(after.location).toBe(`/dashboard/login?next=${encodeURIComponent('/dashboard')}`);
    expect(after.cookie).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect(await sessionRow(session)).toBeUndefined();

    // A session whose browser never came back: its row goes at the next sign-in.
    const idle = await signIn(TEST_API_KEY);
    await cascade.database.db.update(dashboardSessions).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(dashboardSessions.digest, digestOfCookie(idle.session)));
    await signIn(TEST_API_KEY);
    expect(await sessionRow(idle.session)).toBeUndefined();
  });

  it('refuses a wrong key, a key without the read scope, and a form without its token, setting no session', async () => {
    const wrong = await signIn('csk_000000000000_not-a-key');
    expect(wrong.res.status).toBe(401);
    expect(await wrong.res.text()).toContain('Unknown or revoked API key.');
    expect(wrong.session).toBe('');

    const ingest = await scopedKey('dash-ingest', ['ingest']);
    const noRead = await signIn(ingest.key);
    expect(noRead.res.status).toBe(403);
    expect(await noRead.res.text()).toContain('lacks the read scope');
    expect(noRead.session).toBe('');

    // A form posted from elsewhere: no login cookie to match its token.
    const { csrf } = await loginForm();
    const forged = await post('/dashboard/login', { key: TEST_API_KEY, csrf }, '');
    expect(forged.status).toBe(403);
    expect(cookieNamed(forged, 'cascade_dashboard')).toBeUndefined();

    const missing = await post('/dashboard/login', { csrf }, '');
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('key:');

    // After signing in it goes only to dashboard pages of this site.
    const login = await loginForm();
    const away = await post('/dashboard/login', { key: TEST_API_KEY, csrf: login.csrf, next: '//evil.example/dashboard' }, login.cookie);
    expect(away.headers.get('location')).toBe('/dashboard');
  });

  it('signs out every session of a key revoked meanwhile, by this API process or another', async () => {
    const key = await scopedKey('dash-revoked', ['read']);
    const [first, second] = [await signIn(key.key), await signIn(key.key)];
    expect((await home(first.session)).status).toBe(200);
    expect((await cascade.api.call(`/v1/api-keys/${key.id}`, { method: 'DELETE' })).status).toBe(204);
    // Both sessions ended with the key: their rows are gone before either browser comes back.
    expect(await sessionRow(second.session)).toBeUndefined();
    for (const { session } of [first, second]) {
      const after = await home(session);
      expect(after.status).toBe(303);
      expect(after.location).toMatch(/^\/dashboard\/login/);
    }

    // Revoked through another API process (or `npm run api-key revoke`): this one has just verified
    // the key, and still signs the person out at their next page.
    const other = await startTestApi(cascade.database.db, cascade.env.client, { router: false });
    try {
      const elsewhere = await scopedKey('dash-revoked-elsewhere', ['read']);
      const { session } = await signIn(elsewhere.key);
      expect((await home(session)).status).toBe(200);
      expect((await other.call(`/v1/api-keys/${elsewhere.id}`, { method: 'DELETE' })).status).toBe(204);
      const after = await home(session);
      expect(after.status).toBe(303);
      expect(after.location).toMatch(/^\/dashboard\/login/);
    } finally {
      await other.stop();
    }
  });

  it('signs out a session of an environment key once CASCADE_API_KEYS no longer has it', async () => {
    const extra = 'test-key-going-away-0123456789';
    const before = await startTestApi(cascade.database.db, cascade.env.client, { router: false, extraApiKeys: [extra] });
    try {
      const { session } = await signIn(extra, {}, before.url);
      expect((await home(session, before.url)).status).toBe(200);
      // The key's digest-based id, as the verifier names environment keys.
      expect((await sessionRow(session))!.keyId).toBe(createHash('sha256').update(extra).digest('hex').slice(0, 8));
      // The same database behind an API restarted without that key.
      const after = await home(session, cascade.api.url);
      expect(after.status).toBe(303);
      expect(after.location).toMatch(/^\/dashboard\/login/);
      expect(await sessionRow(session)).toBeUndefined();
    } finally {
      await before.stop();
    }
  });

  it('signs out on the form with its token only, and the old cookie opens nothing after it', async () => {
    const admin = await signIn(TEST_API_KEY);
    const page = await (await get('/dashboard', admin.session)).text();
    const token = /action="\/dashboard\/logout"[^]*?name="csrf" value="([^"]+)"/.exec(page)![1]!;
    expect((await post('/dashboard/logout', { csrf: 'forged' }, admin.session)).status).toBe(403);
    // Another session's token is not this one's.
    const other = await signIn(TEST_API_KEY);
    const otherToken = /action="\/dashboard\/logout"[^]*?name="csrf" value="([^"]+)"/.exec(await (await get('/dashboard', other.session)).text())![1]!;
    expect((await post('/dashboard/logout', { csrf: otherToken }, admin.session)).status).toBe(403);
    const out = await post('/dashboard/logout', { csrf: token }, admin.session);
    expect(out.status).toBe(303);
    expect(cookieNamed(out, 'cascade_dashboard')).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect(await sessionRow(admin.session)).toBeUndefined();
    // A copy of the cookie kept from before the sign-out: the session is over on the server.
    const replay = await home(admin.session);
    expect(replay.status).toBe(303);
    expect(replay.location).toMatch(/^\/dashboard\/login/);
    expect((await home(other.session)).status).toBe(200);
  });

  it('answers a bad filter with 400 naming the field, an unknown journey with 404, and serves Chart.js with a long cache', async () => {
    const { session } = await signIn(TEST_API_KEY);
    const bad = await get('/dashboard/journeys/welcome?from=yesterday', session);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('from:');
    const badAttribution = await get('/dashboard/journeys/welcome?attribution=first-touch', session);
    expect(badAttribution.status).toBe(400);
    expect(await badAttribution.text()).toContain('attribution:');
    expect((await get('/dashboard/journeys/no-such-journey', session)).status).toBe(404);
    expect((await get('/dashboard/campaigns/no-such-campaign', session)).status).toBe(404);

    const chart = await get('/dashboard/assets/chart.umd.min.js');
    expect(chart.status).toBe(200);
    expect(chart.headers.get('content-type')).toMatch(/javascript/);
    expect(chart.headers.get('cache-control')).toBe('public, max-age=86400');
    expect(await chart.text()).toContain('Chart.js v4.6.1');
  });
});
