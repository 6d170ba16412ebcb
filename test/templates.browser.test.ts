/**
 * The template pages in a real browser (Chromium driven by playwright-core) against the test API on
 * real Postgres: a person signed in with a read key follows the header's Templates link, finds a
 * template, and sees each of its locales and channels rendered side by side for a stored customer,
 * each subject, text and segment count what POST /v1/templates/:name/preview answers; the email in a
 * sandboxed frame where the template's markup is inert.
 */
import { describe, expect, it } from 'vitest';
import { seedCustomer, useCascadeApi } from './support/cascade';
import { useBrowser } from './support/browser';

const cascade = useCascadeApi('time-skipping');
const browser = useBrowser();

type Entry = { name: string; channels: string[]; locales: string[]; files: Array<{ locale: string; channel: string }> };
type Preview = { subject: string | null; html: string | null; text: string; smsSegments?: number };

describe('the template pages in Chromium', () => {
  it('show every locale and channel of a template, rendered as the preview API renders them', async () => {
    // A name that would be markup if anything on the way forgot to escape it.
    await seedCustomer(cascade.database.db, { id: 'tb-anna', name: 'Anna "<b>bold</b>"', locale: 'en' });
    const created = await cascade.api.call('/v1/api-keys', { method: 'POST', body: JSON.stringify({ name: 'templates-page', scopes: ['read'] }) });
    const { key } = (await created.json()) as { key: string };
    const catalogue = (await (await cascade.api.call('/v1/templates')).json()) as Entry[];
    const offer = catalogue.find((t) => t.name === 'reactivation-offer')!;
    expect(offer.files).toHaveLength(8);

    const context = await browser().newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    // The frame inherits the page's CSP, which refuses the email's inline styles: reported, and expected.
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Applying inline style violates') && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('dialog', (d) => problems.push(`dialog: ${d.message()}`));

    await page.goto(`${cascade.api.url}/dashboard/login`);
    await page.fill('#key', key);
    await Promise.all([page.waitForURL(`${cascade.api.url}/dashboard`), page.click('button[type=submit]')]);
    await Promise.all([page.waitForURL(`${cascade.api.url}/dashboard/templates`), page.click('header >> text=Templates')]);
    const listed = await page.locator('table.list tbody tr td:first-child').allTextContents();
    expect(listed).toEqual(catalogue.map((t) => t.name));

    await Promise.all([page.waitForURL(`${cascade.api.url}/dashboard/templates/reactivation-offer`), page.click('text=reactivation-offer')]);
    await page.fill('input[name=customerId]', 'tb-anna');
    await Promise.all([page.waitForURL(/customerId=tb-anna/), page.click('text=Render for this customer')]);
    expect(await page.title()).toBe('Template reactivation-offer · Cascade');

    const shown = await page.locator('article.rendition[data-locale]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-locale')}/${e.getAttribute('data-channel')}`));
    expect(shown.sort()).toEqual(offer.files.map((f) => `${f.locale}/${f.channel}`).sort());

    for (const { locale, channel } of offer.files) {
      const res = await cascade.api.call('/v1/templates/reactivation-offer/preview', { method: 'POST', body: JSON.stringify({ channel, locale, customerId: 'tb-anna' }) });
      const api = (await res.json()) as Preview;
      const cell = page.locator(`article.rendition[data-locale="${locale}"][data-channel="${channel}"]`);
      const subject = cell.locator('[data-field=subject]');
      if (api.subject === null) expect(await subject.count(), `${locale}/${channel}`).toBe(0);
      else expect(await subject.textContent(), `${locale}/${channel}`).toBe(api.subject);
      if (channel === 'email') {
        const frame = cell.locator('iframe');
        expect(await frame.getAttribute('sandbox')).toBe('');
        const body = frame.contentFrame().locator('body');
        // The frame holds the email the API renders (the browser's own serialisation of both).
        expect(await body.evaluate((b, h) => { const copy = b.cloneNode() as typeof b; copy.innerHTML = h; return copy.innerHTML === b.innerHTML; }, api.html!)).toBe(true);
        // The name is text inside the email, not a <b> element.
        expect(await body.locator('b').count()).toBe(0);
        expect(await body.textContent()).toContain('Anna "<b>bold</b>"');
      } else {
        expect(await cell.locator('[data-field=text]').textContent()).toBe(api.text);
      }
      if (channel === 'sms') expect(await cell.locator('[data-field=segments]').textContent()).toBe(`${api.smsSegments} ${api.smsSegments === 1 ? 'segment' : 'segments'}`);
    }
    expect(problems).toEqual([]);
    await context.close();
  });
});
