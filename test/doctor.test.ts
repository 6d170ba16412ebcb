/**
 * The doctor against real parts: a real Postgres (migrated), a real Temporal dev server with a
 * worker polling, the Cascade API behind a TLS proxy (its public URL), the provider fakes over HTTP
 * reached through the real adapters, and a real DNS server on 127.0.0.1 (dns2) answering node's
 * resolver. FCM's service account mints its token at a fake Google OAuth endpoint (its key file's
 * `token_uri`), which checks the signed JWT as Google does. Each case breaks one thing the way it
 * breaks in production and reads what the doctor says.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Check, DoctorContext } from '../doctor/check';
import { doctorContextForApi, doctorContextFromEnv } from '../doctor/context';
import { freePort } from '../servers/free-port';
import { providerChecks } from '../activities/channels';
import { exitCode, runDoctor } from '../doctor/run';
import { formatTable } from '../doctor/table';
import { FakeDns } from './fakes/dns';
import { FakeFcm } from './fakes/fcm';
import { FakeGoogleOAuth } from './fakes/google-oauth';
import { startFakeResend, type FakeResend } from './fakes/resend';
import { FakeSmsc } from './fakes/smsc';
import { FakeTelegram } from './fakes/telegram';
import { startTestApi, useCascade } from './support/cascade';
import { createTestDatabase } from './support/database';
import { taskQueue } from './support/temporal';

const DOMAIN = 'shop.example';
const DKIM_KEY = 'MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDfakekey';
const tls = { key: readFileSync('test/fixtures/tls/localhost.key', 'utf8'), cert: readFileSync('test/fixtures/tls/localhost.crt', 'utf8') };

let cascade: Parameters<Parameters<typeof useCascade>[1]>[0];
useCascade('dev-server', (c) => (cascade = c));

let resend: FakeResend;
let smsc: FakeSmsc;
let telegram: FakeTelegram;
let fcm: FakeFcm;
let oauth: FakeGoogleOAuth;
let fcmEnv: Record<string, string>;
let dns: FakeDns;
let api: Awaited<ReturnType<typeof startTestApi>>;
let proxy: Server;
let publicUrl: string;

/** A TLS-terminating proxy in front of the test API, as production has one; its certificate is the test CA. */
async function startTlsProxy(target: string): Promise<Server> {
  const server = createHttpsServer(tls, (req, res) => {
    const upstream = httpRequest(`${target}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** The records Resend asks for, published right. */
function publishRightZone(): void {
  dns.zone.clear();
  dns.servfail = false;
  dns.set(`send.${DOMAIN}`, { type: 'TXT', data: 'v=spf1 include:amazonses.com ~all' }, { type: 'MX', exchange: 'feedback-smtp.us-east-1.amazonses.com', priority: 10 });
  // A long key arrives in 255-byte chunks; the doctor joins them.
  dns.set(`resend._domainkey.${DOMAIN}`, { type: 'TXT', data: ['p=MIGfMA0GCSqGSIb3', 'DQEBAQUAA4GNADCBiQKBgQDfakekey'] });
  dns.set(`_dmarc.${DOMAIN}`, { type: 'TXT', data: `v=DMARC1; p=quarantine; rua=mailto:dmarc@${DOMAIN}` });
}

function env(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    RESEND_API_KEY: resend.apiKey,
    RESEND_FROM: `Shop <news@${DOMAIN}>`,
    RESEND_BASE_URL: resend.url,
    ...smsc.env(),
    ...fcmEnv,
    ...telegram.env({ CASCADE_TELEGRAM_WEBHOOK_SECRET: 'telegram-secret' }),
    CASCADE_DNS_SERVERS: dns.address,
    CASCADE_PUBLIC_URL: publicUrl,
    ...overrides,
  };
}

function context(e: NodeJS.ProcessEnv = env()): DoctorContext {
  return { ...doctorContextForApi({ db: cascade.database.db, client: cascade.env.client, taskQueue }, e, 6000), ca: tls.cert };
}

const byName = (checks: Check[], name: string): Check => {
  const check = checks.find((c) => c.name === name);
  if (!check) throw new Error(`no check ${name} in ${checks.map((c) => c.name).join(', ')}`);
  return check;
};

beforeAll(async () => {
  [resend, smsc, fcm, dns, oauth, telegram] = await Promise.all([startFakeResend({ rateLimit: null }), FakeSmsc.start(), FakeFcm.start(), FakeDns.start(), FakeGoogleOAuth.start(), FakeTelegram.start()]);
  fcmEnv = fcm.serviceAccountEnv(oauth);
  resend.addDomain(DOMAIN, { dkimKey: DKIM_KEY });
  resend.addDomain('other.example');
  api = await startTestApi(cascade.database.db, cascade.env.client);
  proxy = await startTlsProxy(api.url);
  publicUrl = `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  telegram.webhook = { url: `${publicUrl}/telegram/webhook`, secretToken: 'telegram-secret' };
});
afterEach(() => {
  publishRightZone();
  smsc.accountError = undefined;
  vi.unstubAllEnvs();
});
afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await api?.stop();
  await Promise.all([resend?.close(), smsc?.close(), fcm?.close(), dns?.close(), oauth?.close(), telegram?.close()]);
});

describe('npm run doctor / GET /v1/doctor', () => {
  it('everything set up right: every check passes, exit code 0', async () => {
    publishRightZone();
    const checks = await runDoctor(context(), providerChecks);
    expect(checks.filter((c) => c.status !== 'pass'), formatTable(checks)).toEqual([]);
    expect(checks.map((c) => c.name).sort()).toEqual(
      ['email.dkim', 'email.dmarc', 'email.spf', 'fcm', 'postgres', 'public-url', 'resend', 'retention', 'smsc', 'telegram', 'telegram.webhook', 'temporal.namespace', 'temporal.search-attributes', 'temporal.task-queue'].sort(),
    );
    expect(exitCode(checks)).toBe(0);
    expect(byName(checks, 'smsc').detail).toContain('balance 1000 RUR');
    // It asked the DNS server over the wire, for what providers.md says.
    expect(dns.queries).toEqual(expect.arrayContaining([
      { name: `send.${DOMAIN}`, type: 'TXT' },
      { name: `send.${DOMAIN}`, type: 'MX' },
      { name: `resend._domainkey.${DOMAIN}`, type: 'TXT' },
      { name: `_dmarc.${DOMAIN}`, type: 'TXT' },
    ]));
    // The FCM token came from the key file's token_uri, for FCM's scope, signed by the account's key.
    expect(byName(checks, 'fcm').detail).toContain('the service account got an OAuth token');
    expect(oauth.issued).toContainEqual(expect.objectContaining({ email: 'cascade@cascade-test.iam.gserviceaccount.com', scope: 'https://www.googleapis.com/auth/firebase.messaging' }));
    // Two Resend requests (list, then the domain) shared by the resend and DNS checks.
    expect(resend.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /domains', `GET /domains/${resend.domains[0]!.id}`]);
  });

  it('a wrong Resend key fails the resend check with what to do, and exit code 1', async () => {
    publishRightZone();
    const checks = await runDoctor(context(env({ RESEND_API_KEY: 're_wrong_key_0123' })), providerChecks);
    expect(byName(checks, 'resend')).toMatchObject({ status: 'fail', detail: expect.stringContaining('RESEND_API_KEY is not valid') });
    expect(byName(checks, 'resend').fix).toMatch(/api-keys/);
    // Without the domain's records DKIM cannot be named; SPF and DMARC still can.
    expect(byName(checks, 'email.dkim')).toMatchObject({ status: 'warn', detail: expect.stringContaining('could not check') });
    expect(byName(checks, 'email.spf').status).toBe('pass');
    expect(exitCode(checks)).toBe(1);
    expect(JSON.stringify(checks)).not.toContain('re_wrong_key_0123');
  });

  it('a missing DMARC record fails dmarc as "missing"; a p=none one only warns', async () => {
    publishRightZone();
    dns.zone.delete(`_dmarc.${DOMAIN}`);
    let checks = await runDoctor(context(), providerChecks);
    expect(byName(checks, 'email.dmarc')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^missing: no DMARC record at _dmarc\.shop\.example/) });
    expect(byName(checks, 'email.dmarc').fix).toContain('v=DMARC1; p=quarantine');
    expect(exitCode(checks)).toBe(1);

    dns.set(`_dmarc.${DOMAIN}`, { type: 'TXT', data: 'v=DMARC1; p=none; rua=mailto:d@shop.example' });
    checks = await runDoctor(context(), providerChecks);
    expect(byName(checks, 'email.dmarc')).toMatchObject({ status: 'warn', detail: expect.stringContaining('p=none') });

    dns.set(`_dmarc.${DOMAIN}`, { type: 'TXT', data: 'v=DMARC1; p=quarantine' }, { type: 'TXT', data: 'v=DMARC1; p=reject' });
    checks = await runDoctor(context(), providerChecks);
    expect(byName(checks, 'email.dmarc')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^invalid: 2 DMARC records/) });
  });

  it('SPF and DKIM: "missing" and "invalid" are told apart, both fail', async () => {
    publishRightZone();
    dns.set(`send.${DOMAIN}`, { type: 'MX', exchange: 'feedback-smtp.us-east-1.amazonses.com', priority: 10 });
    dns.set(`resend._domainkey.${DOMAIN}`, { type: 'TXT', data: 'v=DKIM1; p=' });
    const checks = await runDoctor(context(), providerChecks);
    expect(byName(checks, 'email.spf')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^missing: no v=spf1 TXT record on send\.shop\.example/) });
    expect(byName(checks, 'email.dkim')).toMatchObject({ status: 'fail', detail: expect.stringContaining('invalid: TXT resend._domainkey.shop.example has an empty p= (the key is revoked)') });
  });

  it("an SMSC IP off the allow-list (error 2) fails smsc with the fix; the password is never shown", async () => {
    smsc.accountError = 2;
    const checks = await runDoctor(context(), providerChecks);
    expect(byName(checks, 'smsc')).toMatchObject({ status: 'fail', detail: expect.stringContaining("IP is not on SMSC's allow-list") });
    expect(byName(checks, 'smsc').fix).toMatch(/IP addresses/);
    expect(smsc.balanceRequests).not.toHaveLength(0);
    expect(exitCode(checks)).toBe(1);
    expect(JSON.stringify(checks)).not.toContain(smsc.env().SMSC_PASSWORD!);
  });

  it('a DNS server that is down or failing is "could not check": a warning, not a fail', async () => {
    const gone = await FakeDns.start();
    const address = gone.address;
    await gone.close();
    let checks = await runDoctor(context(env({ CASCADE_DNS_SERVERS: address })), providerChecks);
    for (const name of ['email.spf', 'email.dkim', 'email.dmarc']) {
      expect(byName(checks, name)).toMatchObject({ status: 'warn', detail: expect.stringContaining('could not check') });
    }
    expect(exitCode(checks)).toBe(0);

    publishRightZone();
    dns.servfail = true;
    checks = await runDoctor(context(), providerChecks);
    expect(byName(checks, 'email.dmarc')).toMatchObject({ status: 'warn', detail: expect.stringContaining('ESERVFAIL') });
    expect(exitCode(checks)).toBe(0);
  });

  it('GET /v1/doctor answers { ok, checks: [{ name, status, detail, fix }] } over HTTP, behind the API key', async () => {
    // The route reads this process's environment, as the API does.
    for (const [k, v] of Object.entries({ ...smsc.env(), RESEND_API_KEY: '', CASCADE_PUBLIC_URL: api.url, CASCADE_DNS_SERVERS: dns.address })) vi.stubEnv(k, v);
    smsc.accountError = 2;
    expect((await fetch(`${api.url}/v1/doctor`)).status).toBe(401);

    const res = await api.call('/v1/doctor');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; checks: Check[] };
    expect(body.ok).toBe(false);
    for (const check of body.checks) {
      expect(Object.keys(check).sort()).toEqual(['detail', 'fix', 'name', 'status']);
      expect(['pass', 'warn', 'fail']).toContain(check.status);
    }
    expect(byName(body.checks, 'smsc').status).toBe('fail');
    expect(byName(body.checks, 'postgres').status).toBe('pass');
    expect(byName(body.checks, 'temporal.task-queue').status).toBe('pass');
    // Not configured is a warning saying what to set, not a failure.
    expect(byName(body.checks, 'resend')).toMatchObject({ status: 'warn', fix: expect.stringContaining('RESEND_API_KEY') });
    expect(byName(body.checks, 'public-url')).toMatchObject({ status: 'warn', detail: expect.stringContaining('not https') });
  });

  it("a service account key Google does not know (revoked, or another account's) fails fcm with invalid_grant; the key is never shown", async () => {
    const known = JSON.parse(fcmEnv.FCM_SERVICE_ACCOUNT_JSON!) as { client_email: string };
    const revoked = oauth.serviceAccount('cascade-test', { known: false, email: known.client_email });
    const checks = await runDoctor(context(env({ FCM_SERVICE_ACCOUNT_JSON: JSON.stringify(revoked) })), providerChecks);
    expect(byName(checks, 'fcm')).toMatchObject({ status: 'fail', detail: 'the service account could not get an OAuth token (invalid_grant: Invalid JWT Signature.)' });
    expect(exitCode(checks)).toBe(1);
    expect(JSON.stringify(checks)).not.toContain(revoked.private_key.split('\n')[1]!);
    expect(oauth.refusals.at(-1)).toEqual({ error: 'invalid_grant', description: 'Invalid JWT Signature.' });

    const broken = await runDoctor(context(env({ FCM_SERVICE_ACCOUNT_JSON: '{"private_key": "-----BEGIN PRIVATE KEY-----\\nMIIsecret' })), providerChecks);
    expect(byName(broken, 'fcm')).toMatchObject({ status: 'fail', detail: 'FCM_SERVICE_ACCOUNT_JSON is not valid JSON' });
    expect(JSON.stringify(broken)).not.toContain('MIIsecret');
  });
});

describe('npm run doctor against Postgres and Temporal that are not right', () => {
  /** The CLI's own context (doctorContextFromEnv), from an environment as a shell gives it. */
  async function doctorCli(e: Record<string, string>): Promise<Check[]> {
    const { ctx, close } = doctorContextFromEnv({ CASCADE_DATA_DIR: '/nonexistent-cascade-data', ...e }, 4000);
    try {
      return await runDoctor(ctx, providerChecks);
    } finally {
      await close();
    }
  }

  it('Postgres and Temporal down: both fail with "could not check", exit code 1', async () => {
    const [pgPort, temporalPort] = [await freePort(), await freePort()];
    const checks = await doctorCli({ DATABASE_URL: `postgres://cascade:secret-pw@127.0.0.1:${pgPort}/cascade`, TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}` });
    expect(byName(checks, 'postgres')).toMatchObject({ status: 'fail', detail: 'could not check: Postgres did not answer (ECONNREFUSED)' });
    expect(byName(checks, 'temporal')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^could not check/) });
    expect(checks.map((c) => c.name)).not.toContain('temporal.task-queue');
    expect(exitCode(checks)).toBe(1);
    expect(JSON.stringify(checks)).not.toContain('secret-pw');
  });

  it('a migration not applied fails postgres, naming how many', async () => {
    const database = await createTestDatabase();
    try {
      const all = await doctorCli({ DATABASE_URL: database.url });
      expect(byName(all, 'postgres')).toMatchObject({ status: 'pass', detail: expect.stringMatching(/^all \d+ migrations applied$/) });
      const files = Number(/all (\d+) migrations/.exec(byName(all, 'postgres').detail)![1]);
      // The newest migration's row gone: the state of a database last migrated by the previous version.
      await database.db.execute(sql`delete from drizzle.__drizzle_migrations where created_at = (select max(created_at) from drizzle.__drizzle_migrations)`);
      const checks = await doctorCli({ DATABASE_URL: database.url });
      expect(byName(checks, 'postgres')).toMatchObject({ status: 'fail', detail: `1 of ${files} migrations not applied`, fix: expect.stringContaining('migrate at start-up') });
      expect(exitCode(checks)).toBe(1);
    } finally {
      await database.close();
    }
  });

  it('no worker polling the task queue is a warn that says what to start (journeys wait, nothing is lost)', async () => {
    const checks = await doctorCli({ TEMPORAL_ADDRESS: cascade.env.address, TEMPORAL_TASK_QUEUE: 'nobody-polls-this' });
    expect(byName(checks, 'temporal.namespace').status).toBe('pass');
    expect(byName(checks, 'temporal.search-attributes').status).toBe('pass');
    expect(byName(checks, 'temporal.task-queue')).toMatchObject({
      status: 'warn',
      detail: 'no workflow or activity worker polls task queue "nobody-polls-this": journeys wait until one does',
      fix: expect.stringContaining('npm run worker'),
    });
    // The suite's own worker polls its queue: the same check passes there.
    const polled = await doctorCli({ TEMPORAL_ADDRESS: cascade.env.address, TEMPORAL_TASK_QUEUE: taskQueue });
    expect(byName(polled, 'temporal.task-queue')).toMatchObject({ status: 'pass', detail: expect.stringMatching(/has [1-9]\d* workflow and [1-9]\d* activity pollers/) });
  });
});
