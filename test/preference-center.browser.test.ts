/**
 * The preference center in a real browser (Debian's Chromium driven by playwright-core), on the
 * Temporal dev server with the test API: a customer with email and SMS consent gets a promotion
 * email through the send pipeline (outbox channel); the link is taken from the sent email's body,
 * opened in Chromium (it shows email only, the link's channel), promotions unticked and saved. Then
 * a promotion by email is skipped, while a reminder by email and a promotion by SMS still go, as the
 * ledger shows.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../activities';
import type { Database } from '../db/client';
import { unsubscribeLinks } from '../lib/unsubscribe-token';
import type { Channel } from '../workflows/contract';
import { TEST_UNSUBSCRIBE_SECRET, seedCustomer, testDeps, useCascadeApi } from './support/cascade';
import { useBrowser } from './support/browser';
import { attempt, sendRequest } from './support/send-activity';

const cascade = useCascadeApi('dev-server');
const browser = useBrowser();

/** A marketing message under a topic, the way a journey's send reaches the pipeline, linking to this API. */
function marketing(customerId: string, channel: Channel, topic: string, template: string) {
  const send = createActivities(testDeps(cascade.database.db, { caps: {}, unsubscribeUrl: unsubscribeLinks(cascade.api.url, TEST_UNSUBSCRIBE_SECRET) })).send;
  return attempt(send, sendRequest(customerId, channel, { promoCode: 'SHINY10' }, { template, transactional: false, topic, journey: `browser-${topic}` }));
}

describe('the preference center in Chromium', () => {
  it('opts out of promotions by email only: a promotion email is skipped, a reminder email and a promotion SMS still go', async () => {
    process.env.CASCADE_SHOP_NAME = 'Шинный двор';
    await seedCustomer(cascade.database.db, { id: 'browser-1', name: 'Анна', email: 'anna@shop.example', phone: '+79161230003', consent: ['email', 'sms'] });
    expect(await marketing('browser-1', 'email', 'promotions', 'welcome-promo')).toMatchObject({ status: 'sent' });

    const outbox = (await (await cascade.api.call('/v1/outbox')).json()) as { messages: Array<{ customerId: string; channel: string; body: string }> };
    const email = outbox.messages.find((m) => m.customerId === 'browser-1' && m.channel === 'email')!;
    const href = /<a href="([^"]+\/unsubscribe\?token=[^"]+)"/.exec(email.body)?.[1];
    expect(href).toBeDefined();

    const page = await browser().newPage();
    await page.goto(href!);
    expect(await page.title()).toBe('Настройки рассылок');
    expect(await page.textContent('body')).toContain('«Шинный двор»');
    const promoByEmail = page.locator('input[name="on"][value="email.promotions"]');
    expect(await promoByEmail.isChecked()).toBe(true);
    const shots = mkdtempSync(join(tmpdir(), 'preference-center-'));
    await page.screenshot({ path: join(shots, 'before.png'), fullPage: true });

    await promoByEmail.uncheck();
    await Promise.all([page.waitForURL(/saved=1/), page.getByRole('button', { name: 'Сохранить' }).click()]);
    expect(await page.getByRole('status').textContent()).toBe('Готово, настройки сохранены.');
    expect(await page.locator('input[name="on"][value="email.promotions"]').isChecked()).toBe(false);
    // The link came by email: the page is about email only, and SMS stays as it was.
    expect(await page.locator('input[value^="sms."]').count()).toBe(0);
    await page.screenshot({ path: join(shots, 'after.png'), fullPage: true });
    console.info(`preference center screenshots: ${shots}`);

    expect(await marketing('browser-1', 'email', 'promotions', 'welcome-promo')).toMatchObject({ status: 'skipped', reason: 'no_consent' });
    expect(await marketing('browser-1', 'email', 'reminders', 'welcome-promo')).toMatchObject({ status: 'sent' });
    expect(await marketing('browser-1', 'sms', 'promotions', 'tyre-season-offer')).toMatchObject({ status: 'sent' });

    const ledger = (await (await cascade.api.call('/v1/customers/browser-1/messages')).json()) as { messages: Array<{ journey: string; channel: string; status: string; skipReason: string | null }> };
    expect(ledger.messages.map(({ journey, channel, status, skipReason }) => ({ journey, channel, status, skipReason })).reverse()).toEqual([
      { journey: 'browser-promotions', channel: 'email', status: 'sent', skipReason: null },
      { journey: 'browser-promotions', channel: 'email', status: 'skipped', skipReason: 'no_consent' },
      { journey: 'browser-reminders', channel: 'email', status: 'sent', skipReason: null },
      { journey: 'browser-promotions', channel: 'sms', status: 'sent', skipReason: null },
    ]);
  });
});
