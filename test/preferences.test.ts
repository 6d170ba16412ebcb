/**
 * Consent per channel and topic on real parts: Postgres, the send pipeline through the outbox
 * channel, the HTTP API. A `*` grant with `promotions` withdrawn skips promotions and sends
 * reminders; one-click withdraws only the message's topic on its channel; the sticky rules hold per
 * topic; the preference form refuses a post without its page's form token; GET /v1/customers/:id
 * shows consents by channel and topic.
 */
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../activities';
import type { Database } from '../db/client';
import { consentChanges, consents, suppressions } from '../db/schema';
import { createUnsubscribeToken } from '../lib/unsubscribe-token';
import type { Channel } from '../workflows/contract';
import { topicProblem } from '../workflows/dsl/options';
import { allJourneys, knownTopics } from '../workflows/registry';
import { TEST_UNSUBSCRIBE_SECRET, seedCustomer, testDeps, useCascadeApi } from './support/cascade';
import { attempt, sendRequest } from './support/send-activity';

const cascade = useCascadeApi('time-skipping');

const db = () => cascade.database.db;
const read = (res: Response) => res.json() as Promise<Record<string, any>>;
const link = (customerId: string, channel: Channel, topic?: string, issuedAt?: Date | null) => createUnsubscribeToken(TEST_UNSUBSCRIBE_SECRET, { customerId, channel, topic, issuedAt });
const DAY = 86_400_000;
const putConsents = (id: string, body: unknown) => cascade.api.call(`/v1/customers/${id}/consents`, { method: 'PUT', body: JSON.stringify(body) });

/** A marketing message under a topic through the real send pipeline (outbox channels). */
function marketing(customerId: string, channel: Channel, topic: string) {
  // No frequency cap: these tests are about consent, and send several messages in a row.
  const send = createActivities(testDeps(db(), { caps: {} })).send;
  const template = channel === 'sms' ? 'tyre-season-offer' : 'welcome-promo';
  return attempt(send, sendRequest(customerId, channel, { promoCode: 'HELLO10' }, { template, transactional: false, topic }));
}

async function rowsOf(customerId: string) {
  return db().select({ channel: consents.channel, topic: consents.topic, granted: consents.granted, source: consents.source }).from(consents).where(eq(consents.customerId, customerId)).orderBy(consents.channel, consents.topic);
}

describe('journey topics', () => {
  it('every seed marketing journey names a topic, transactional ones none; the registry refuses otherwise', () => {
    expect(Object.fromEntries(allJourneys.map((j) => [j.options.id, j.options.topic ?? null]))).toEqual({
      'abandoned-cart': 'reminders',
      birthday: 'news',
      'first-order-nudge': 'promotions',
      'order-confirmation': null,
      'quarterly-bonus': 'promotions',
      reactivation: 'promotions',
      'service-reminder': null,
      'tyre-season': 'promotions',
      welcome: 'news',
    });
    expect([...knownTopics].sort()).toEqual(['news', 'promotions', 'reminders']);
    expect(topicProblem({ id: 'sale' })).toMatch(/marketing journey sale must name a topic/);
    expect(topicProblem({ id: 'receipt', transactional: true, topic: 'news' })).toMatch(/must not name a topic/);
    expect(topicProblem({ id: 'sale', topic: 'Big Sale' })).toMatch(/kebab-case/);
  });
});

describe('consent per channel and topic', () => {
  it("a '*' grant with promotions withdrawn: promotions skipped no_consent, reminders and other channels sent; the ledger names the topic", async () => {
    await seedCustomer(db(), { id: 't1', phone: '+79161230001', consent: ['email', 'sms'] });
    await db().insert(consents).values({ customerId: 't1', channel: 'email', topic: 'promotions', granted: false, source: 'api' });
    expect(await marketing('t1', 'email', 'promotions')).toMatchObject({ status: 'skipped', reason: 'no_consent' });
    expect(await marketing('t1', 'email', 'reminders')).toMatchObject({ status: 'sent' });
    expect(await marketing('t1', 'sms', 'promotions')).toMatchObject({ status: 'sent' });

    // A topic row overrides '*' the other way too: a yes to reminders holds where the channel said no.
    await seedCustomer(db(), { id: 't2', consent: [] });
    await db().insert(consents).values([
      { customerId: 't2', channel: 'email', topic: '*', granted: false, source: 'api' },
      { customerId: 't2', channel: 'email', topic: 'reminders', granted: true, source: 'api' },
    ]);
    expect(await marketing('t2', 'email', 'reminders')).toMatchObject({ status: 'sent' });
    expect(await marketing('t2', 'email', 'promotions')).toMatchObject({ status: 'skipped', reason: 'no_consent' });

    const ledger = await (await cascade.api.call('/v1/customers/t1/messages')).json() as { messages: Array<{ status: string }> };
    expect(ledger.messages).toHaveLength(3);
    const topics = await db().query.messages.findMany({ where: (m, { eq }) => eq(m.customerId, 't1'), columns: { channel: true, topic: true, status: true } });
    expect(topics).toEqual(expect.arrayContaining([
      { channel: 'email', topic: 'promotions', status: 'skipped' },
      { channel: 'email', topic: 'reminders', status: 'sent' },
      { channel: 'sms', topic: 'promotions', status: 'sent' },
    ]));
  });

  it("one-click POST withdraws only the message's topic on that channel, without suppressing the address", async () => {
    await seedCustomer(db(), { id: 'oc', email: 'oc@shop.example', phone: '+79161230002', consent: ['email', 'sms'] });
    const res = await fetch(`${cascade.api.url}/unsubscribe?token=${link('oc', 'email', 'promotions')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Больше не пришлём: Акции и скидки (Эл. почта)');
    expect(await rowsOf('oc')).toEqual([
      { channel: 'email', topic: '*', granted: true, source: 'api' },
      { channel: 'email', topic: 'promotions', granted: false, source: 'unsubscribe' },
      { channel: 'sms', topic: '*', granted: true, source: 'api' },
    ]);
    expect(await db().select().from(suppressions).where(eq(suppressions.address, 'oc@shop.example'))).toEqual([]);
    expect(await marketing('oc', 'email', 'promotions')).toMatchObject({ status: 'skipped', reason: 'no_consent' });
    expect(await marketing('oc', 'email', 'news')).toMatchObject({ status: 'sent' });
    expect(await marketing('oc', 'sms', 'promotions')).toMatchObject({ status: 'sent' });
  });

  it('sticky per topic: a profile sync cannot undo a topic withdrawal, a re-subscription must be newer; everything off binds every topic', async () => {
    await seedCustomer(db(), { id: 'st', email: 'st@shop.example', consent: ['email'] });
    const before = new Date(Date.now() - 60_000).toISOString();
    await fetch(`${cascade.api.url}/unsubscribe?token=${link('st', 'email', 'promotions')}`, { method: 'POST' });

    // The nightly sync says yes to email: the channel already says yes, the topic withdrawal stands.
    const sync = await cascade.api.call('/v1/customers/st', { method: 'PUT', body: JSON.stringify({ consents: { email: true } }) });
    expect(sync.status).toBe(200);
    expect(await marketing('st', 'email', 'promotions')).toMatchObject({ status: 'skipped', reason: 'no_consent' });

    const stale = await putConsents('st', { email: true, topic: 'promotions', source: 'crm', consentedAt: before });
    expect(stale.status).toBe(409);
    expect(await read(stale)).toMatchObject({ error: { code: 'consent_conflict', message: expect.stringMatching(/email \(promotions\) consentedAt .* not after the customer's withdrawal \(unsubscribe\)/) } });
    const fresh = await putConsents('st', { email: true, topic: 'promotions', source: 'checkout-form' });
    expect(fresh.status).toBe(200);
    expect(await read(fresh)).toEqual({ customerId: 'st', topic: 'promotions', consents: { email: true } });
    expect(await marketing('st', 'email', 'promotions')).toMatchObject({ status: 'sent' });

    // Everything off (a link from before topics): the earlier yes to promotions does not survive it,
    // and a topic grant older than it is refused, since the withdrawal of '*' holds for that topic.
    const stamp = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    await fetch(`${cascade.api.url}/unsubscribe?token=${link('st', 'email')}`, { method: 'POST' });
    expect(await marketing('st', 'email', 'promotions')).toMatchObject({ status: 'skipped' });
    expect((await putConsents('st', { email: true, topic: 'reminders', source: 'crm', consentedAt: stamp })).status).toBe(409);
    expect((await putConsents('st', { email: true, topic: 'reminders', source: 'app' })).status).toBe(200);
    expect(await marketing('st', 'email', 'reminders')).toMatchObject({ status: 'sent' });
    expect(await marketing('st', 'email', 'news')).toMatchObject({ status: 'skipped', reason: 'no_consent' });

    const bad = await putConsents('st', { email: true, topic: 'gossip', source: 'app' });
    expect(bad.status).toBe(400);
    expect(await read(bad)).toMatchObject({ error: { field: 'topic' } });
  });
});

describe('the preference form', () => {
  const formOf = async (token: string) => {
    const html = await (await fetch(`${cascade.api.url}/unsubscribe?token=${token}`)).text();
    return { html, csrf: /name="csrf" value="([^"]+)"/.exec(html)?.[1] };
  };
  const post = (token: string, fields: Array<[string, string]>) =>
    fetch(`${cascade.api.url}/preferences?token=${token}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  const boxes = (html: string) => [...html.matchAll(/name="shown" value="([^"]+)"/g)].map((m) => m[1]!);

  it('refuses a post without the page form token, or with another customer\'s, with 403 and changes nothing', async () => {
    await seedCustomer(db(), { id: 'pf1', consent: ['email', 'sms'] });
    await seedCustomer(db(), { id: 'pf2', consent: ['email'] });
    const mine = link('pf1', 'email', 'promotions');
    const { html } = await formOf(mine);
    const theirs = (await formOf(link('pf2', 'email', 'promotions'))).csrf!;
    const everythingOff: Array<[string, string]> = [...boxes(html).map((b): [string, string] => ['shown', b]), ['everything', '1']];
    for (const csrf of [undefined, theirs, 'x'.repeat(43)]) {
      const res = await post(mine, csrf ? [['csrf', csrf], ...everythingOff] : everythingOff);
      expect(res.status, String(csrf)).toBe(403);
      expect(await res.text()).toContain('Настройки не сохранены');
    }
    expect((await rowsOf('pf1')).every((r) => r.granted)).toBe(true);
    expect(await db().select().from(consentChanges).where(eq(consentChanges.customerId, 'pf1'))).toEqual([]);
  });

  it('"unsubscribe from everything" stops every marketing topic of the link\'s channel, and only marketing', async () => {
    await seedCustomer(db(), { id: 'pf4', phone: '+79161230044', consent: ['email', 'sms'] });
    const token = link('pf4', 'email', 'promotions');
    const { html, csrf } = await formOf(token);
    const res = await post(token, [['csrf', csrf!], ...boxes(html).map((b): [string, string] => ['shown', b]), ['everything', '1']]);
    expect(res.status).toBe(303);
    for (const topic of ['promotions', 'reminders', 'news']) {
      expect(await marketing('pf4', 'email', topic), `email ${topic}`).toMatchObject({ status: 'skipped' });
    }
    // The link came by email: SMS is not its to stop.
    expect(await marketing('pf4', 'sms', 'promotions')).toMatchObject({ status: 'sent' });
    // The channel itself is off ('*'), not just today's topics: a topic added later stays off too.
    const stars = (await rowsOf('pf4')).filter((r) => r.topic === '*');
    expect(stars.map(({ channel, granted }) => ({ channel, granted }))).toEqual([
      { channel: 'email', granted: false },
      { channel: 'sms', granted: true },
    ]);
    const changes = await db().select().from(consentChanges).where(eq(consentChanges.customerId, 'pf4'));
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.every((c) => c.source === 'preference-center' && c.granted === false)).toBe(true);
    // An order confirmation still reaches them: only marketing was stopped.
    const send = createActivities(testDeps(db(), { caps: {} })).send;
    const receipt = await attempt(send, sendRequest('pf4', 'email', { event: { orderId: 'A-1', total: 990 } }, { template: 'order-confirmation', transactional: true }));
    expect(receipt).toMatchObject({ status: 'sent' });
  });

  it('saves the boxes as consent changes from preference-center; GET /v1/customers/:id shows them by channel and topic', async () => {
    process.env.CASCADE_SHOP_NAME = 'Шинный двор';
    await seedCustomer(db(), { id: 'pf3', consent: ['email', 'sms'], locale: 'en-GB' });
    const token = link('pf3', 'email', 'promotions');
    const { html, csrf } = await formOf(token);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('Choose what Шинный двор may send you');
    // The link's own channel only, though the customer has SMS consent too.
    expect(boxes(html).sort()).toEqual(['email.news', 'email.promotions', 'email.reminders']);
    const on = boxes(html).filter((b) => b !== 'email.promotions');
    const res = await post(token, [['csrf', csrf!], ...boxes(html).map((b): [string, string] => ['shown', b]), ...on.map((b): [string, string] => ['on', b])]);
    expect(res.status).toBe(303);
    const after = await fetch(new URL(res.headers.get('location')!, cascade.api.url));
    const text = await after.text();
    expect(text).toContain('Done, your choices are saved.');
    expect(text).toMatch(/value="email\.promotions" id="email\.promotions" aria-label="[^"]+">/); // unticked now
    const changes = await db().select().from(consentChanges).where(and(eq(consentChanges.customerId, 'pf3')));
    expect(changes.map(({ channel, topic, granted, source, actor, applied }) => ({ channel, topic, granted, source, actor, applied }))).toEqual([
      { channel: 'email', topic: 'promotions', granted: false, source: 'preference-center', actor: 'preference-center', applied: true },
    ]);

    const customer = await cascade.api.call('/v1/customers/pf3');
    expect(customer.status).toBe(200);
    expect(await read(customer)).toMatchObject({
      id: 'pf3',
      locale: 'en-GB',
      consents: { email: { '*': true, promotions: false }, sms: { '*': true } },
      topics: { email: { promotions: false, reminders: true, news: true }, sms: { promotions: true, reminders: true, news: true } },
    });
    expect((await cascade.api.call('/v1/customers/nobody')).status).toBe(404);

    // A profile sync cannot undo a preference-center withdrawal either (it is the customer's own word).
    await db().insert(consents).values({ customerId: 'pf3', channel: 'push', topic: '*', granted: false, source: 'preference-center' });
    const sync = await cascade.api.call('/v1/customers/pf3', { method: 'PUT', body: JSON.stringify({ consents: { push: true } }) });
    expect((await read(sync)).consentsRefused).toEqual([{ channel: 'push', note: expect.stringMatching(/preference-center/) }]);
  });

  it('the form covers the link\'s own channel only: SMS boxes posted through an email link change nothing', async () => {
    await seedCustomer(db(), { id: 'pf5', phone: '+79161230055', consent: ['email', 'sms'] });
    const token = link('pf5', 'email', 'promotions');
    const { html, csrf } = await formOf(token);
    expect(html).not.toContain('sms.');
    const emailBoxes = boxes(html).map((b): [string, string] => ['shown', b]);
    const smsBoxes: Array<[string, string]> = ['sms.promotions', 'sms.news', 'sms.reminders'].map((b) => ['shown', b]);
    // Every box shown, none ticked: each a withdrawal, but only the email ones are this link's.
    expect((await post(token, [['csrf', csrf!], ...emailBoxes, ...smsBoxes])).status).toBe(303);
    expect(await marketing('pf5', 'email', 'promotions')).toMatchObject({ status: 'skipped' });
    expect(await marketing('pf5', 'sms', 'promotions')).toMatchObject({ status: 'sent' });
    const changes = await db().select().from(consentChanges).where(eq(consentChanges.customerId, 'pf5'));
    expect(new Set(changes.map((c) => c.channel))).toEqual(new Set(['email']));
  });

  it('a link minted more than 30 days ago, or before links carried a date, withdraws but cannot grant; a recent one grants', async () => {
    await seedCustomer(db(), { id: 'pf6', email: 'pf6@shop.example', consent: ['email'] });
    await fetch(`${cascade.api.url}/unsubscribe?token=${link('pf6', 'email', 'promotions')}`, { method: 'POST' });
    expect(await marketing('pf6', 'email', 'promotions')).toMatchObject({ status: 'skipped', reason: 'no_consent' });

    for (const [name, old] of [
      ['31 days old', link('pf6', 'email', 'news', new Date(Date.now() - 31 * DAY))],
      ['undated', link('pf6', 'email', 'news', null)],
    ] as const) {
      const { html, csrf } = await formOf(old);
      // The page offers no way to tick what is off, and says why.
      expect(html, name).toContain('Эта ссылка из давнего сообщения: по ней можно только отписаться.');
      expect(html, name).toMatch(/<input type="checkbox" id="email\.promotions" aria-label="[^"]+" disabled>/);
      expect(boxes(html), name).not.toContain('email.promotions');
      // A hand-made post ticking it anyway is recorded and refused.
      const res = await post(old, [['csrf', csrf!], ['shown', 'email.promotions'], ['on', 'email.promotions']]);
      expect(res.status, name).toBe(303);
      expect(await marketing('pf6', 'email', 'promotions'), name).toMatchObject({ status: 'skipped', reason: 'no_consent' });
    }
    const refused = await db().select().from(consentChanges).where(and(eq(consentChanges.customerId, 'pf6'), eq(consentChanges.source, 'preference-center'))).orderBy(consentChanges.id);
    expect(refused.map((c) => [c.topic, c.granted, c.applied, c.note])).toEqual([
      ['promotions', true, false, expect.stringMatching(/^refused: the link was minted on .*, more than 30 days ago; an old link can withdraw, not grant$/)],
      ['promotions', true, false, expect.stringMatching(/^refused: the link carries no date/)],
    ]);

    // Withdrawing stays one click with an old link: news off.
    const old = link('pf6', 'email', 'news', new Date(Date.now() - 400 * DAY));
    const { csrf } = await formOf(old);
    expect((await post(old, [['csrf', csrf!], ['shown', 'email.news'], ['shown', 'email.reminders'], ['on', 'email.reminders']])).status).toBe(303);
    expect(await marketing('pf6', 'email', 'news')).toMatchObject({ status: 'skipped', reason: 'no_consent' });
    expect(await marketing('pf6', 'email', 'reminders')).toMatchObject({ status: 'sent' });

    // A link from a message of last week may grant.
    const recent = link('pf6', 'email', 'news', new Date(Date.now() - 7 * DAY));
    const fresh = await formOf(recent);
    expect(fresh.html).not.toContain('disabled');
    expect((await post(recent, [['csrf', fresh.csrf!], ['shown', 'email.promotions'], ['on', 'email.promotions']])).status).toBe(303);
    expect(await marketing('pf6', 'email', 'promotions')).toMatchObject({ status: 'sent' });
  });

  it('granting through a link never lifts a spam complaint; withdrawing still works', async () => {
    await seedCustomer(db(), { id: 'pf7', email: 'pf7@shop.example', consent: ['email'] });
    await db().insert(consents).values({ customerId: 'pf7', channel: 'email', topic: 'promotions', granted: false, source: 'preference-center' });
    await db().insert(suppressions).values({ channel: 'email', address: 'pf7@shop.example', reason: 'complaint' });
    const token = link('pf7', 'email', 'news');
    const { html, csrf } = await formOf(token);
    expect(html).toContain('Вы отметили наше сообщение как спам');
    expect(boxes(html)).not.toContain('email.promotions');
    expect((await post(token, [['csrf', csrf!], ['shown', 'email.promotions'], ['on', 'email.promotions'], ['shown', 'email.news']])).status).toBe(303);
    expect(await db().select({ reason: suppressions.reason }).from(suppressions).where(eq(suppressions.address, 'pf7@shop.example'))).toEqual([{ reason: 'complaint' }]);
    expect((await rowsOf('pf7')).filter((r) => r.topic !== '*')).toEqual([
      { channel: 'email', topic: 'news', granted: false, source: 'preference-center' },
      { channel: 'email', topic: 'promotions', granted: false, source: 'preference-center' },
    ]);
    const history = await (await cascade.api.call('/v1/customers/pf7/consents/history')).json() as { changes: Array<Record<string, unknown>> };
    expect(JSON.stringify(history)).toMatch(/a link never lifts a complaint/);
  });
});
