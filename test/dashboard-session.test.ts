/**
 * The dashboard's sign-in over plain HTTP: a page without a session sends you to the login form,
 * the form wants its own token (CSRF) and a known key with the read scope, the session cookie is
 * HttpOnly, SameSite=Strict, scoped to /dashboard and Secure behind https, a revoked key is signed
 * out at once, sign-out wants the page's token, and a bad filter is refused naming the field.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { startTestApi, TEST_API_KEY, useCascade, useTestApi } from './support/cascade';

let env: TestWorkflowEnvironment;
let database: Database;
let api: Awaited<ReturnType<typeof startTestApi>>;
useCascade('time-skipping', (c) => ({ env, database } = c));
useTestApi(() => ({ database, env }), (a) => (api = a));

/** A request as a browser without JavaScript makes it: cookies by hand, redirects not followed. */
function get(path: string, cookie = '', headers: Record<string, string> = {}) {
  return fetch(`${api.url}${path}`, { redirect: 'manual', headers: { cookie, ...headers } });
}
function post(path: string, form: Record<string, string>, cookie = '', headers: Record<string, string> = {}) {
  return fetch(`${api.url}${path}`, {
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
async function loginForm(headers: Record<string, string> = {}) {
  const res = await get('/dashboard/login', '', headers);
  expect(res.status).toBe(200);
  const page = await res.text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
  return { csrf, cookie: pair(cookieNamed(res, 'cascade_dashboard_login')), res, page };
}

async function signIn(key: string, headers: Record<string, string> = {}) {
  const form = await loginForm(headers);
  const res = await post('/dashboard/login', { key, csrf: form.csrf, next: '/dashboard' }, form.cookie, headers);
  return { res, session: pair(cookieNamed(res, 'cascade_dashboard')) };
}

async function scopedKey(name: string, scopes: string[]): Promise<{ id: string; key: string }> {
  const res = await api.call('/v1/api-keys', { method: 'POST', body: JSON.stringify({ name, scopes }) });
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

  it('keeps the key in an HttpOnly, SameSite=Strict cookie for /dashboard, Secure behind https', async () => {
    const { res, session } = await signIn(TEST_API_KEY);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dashboard');
    const cookie = cookieNamed(res, 'cascade_dashboard')!;
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\/dashboard/);
    expect(cookie).not.toMatch(/; Secure/);
    expect(cookie).not.toMatch(/Expires|Max-Age/);
    // The login form's token is spent.
    expect(cookieNamed(res, 'cascade_dashboard_login')).toMatch(/Expires=Thu, 01 Jan 1970/);
    const home = await get('/dashboard', session);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('href="/dashboard/journeys/welcome"');

    const https = await signIn(TEST_API_KEY, { 'x-forwarded-proto': 'https' });
    expect(cookieNamed(https.res, 'cascade_dashboard')).toMatch(/; Secure/);
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

  it('signs out a key revoked meanwhile, and signs out on the form with its token only', async () => {
    const key = await scopedKey('dash-revoked', ['read']);
    const { session } = await signIn(key.key);
    expect((await get('/dashboard', session)).status).toBe(200);
    expect((await api.call(`/v1/api-keys/${key.id}`, { method: 'DELETE' })).status).toBe(204);
    const after = await get('/dashboard', session);
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toMatch(/^\/dashboard\/login/);

    const admin = await signIn(TEST_API_KEY);
    const page = await (await get('/dashboard', admin.session)).text();
    const token = /action="\/dashboard\/logout"[^]*?name="csrf" value="([^"]+)"/.exec(page)![1]!;
    expect((await post('/dashboard/logout', { csrf: 'forged' }, admin.session)).status).toBe(403);
    const out = await post('/dashboard/logout', { csrf: token }, admin.session);
    expect(out.status).toBe(303);
    expect(cookieNamed(out, 'cascade_dashboard')).toMatch(/Expires=Thu, 01 Jan 1970/);
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
