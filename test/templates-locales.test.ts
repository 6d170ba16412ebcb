/**
 * Every shipped template, in every shipped locale, renders for a fixture customer with the data its
 * journey passes, under Liquid's strictVariables: a variable the data lacks fails the render. The
 * output is then read the way a customer would read it (see `problems`). Plural forms, money and
 * dates are checked in Russian and English, and the locale fallback chain on a folder of its own.
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createRenderer, shippedLocales, TemplateNotFoundError } from '../activities/templates';
import type { Channel } from '../workflows/contract';

const dir = fileURLToPath(new URL('../templates', import.meta.url));
const render = createRenderer(dir, { strictVariables: true });

const appointmentAt = '2024-05-01T10:00:00Z'; // 13:00 in Moscow
/** What each journey passes to its templates (workflows/journeys/), `event` being the trigger's properties. */
const journeyData: Record<string, Record<string, unknown>> = {
  'birthday-greeting': {},
  'cart-reminder-1': { event: { cartId: 'c1', itemCount: 3 } },
  'cart-reminder-2': { event: { cartId: 'c1', itemCount: 3 } },
  'cart-reminder-3': { event: { cartId: 'c1', itemCount: 3 } },
  'cart-reminder-reviews': { event: { cartId: 'c1', itemCount: 3 } },
  'first-order-game': { promoCode: 'FIRST-AB12CD', tickets: [1, 2, 3, 4] },
  'first-order-city-picks': { promoCode: 'FIRST-AB12CD', city: 'Казань' },
  'order-confirmation': { event: { orderId: 'A-1001', total: 4990, currency: 'RUB' } },
  'quarterly-bonus': { bonus: 500, quarter: '2027-Q1' },
  'reactivation-offer': { promoCode: 'BACK-QW34ER' },
  'service-reminder': { event: { appointmentId: 'a1', appointmentAt, address: 'ул. Баумана, 12' } },
  'tyre-season-offer': {},
  'welcome-hello': { promoCode: 'WELCOME-ZX56CV', subjectTest: 'b' },
  'welcome-promo': { promoCode: 'WELCOME-ZX56CV' },
  'welcome-fitting': { promoCode: 'WELCOME-ZX56CV' },
  'welcome-bestsellers': { promoCode: 'WELCOME-ZX56CV' },
  'welcome-reviews': { promoCode: 'WELCOME-ZX56CV' },
  'welcome-last-call': { promoCode: 'WELCOME-ZX56CV' },
};

const fullCustomer = { id: 'c-1', name: 'Анна', city: 'Казань', email: 'anna@example.com', phone: '+79125550101', timeZone: 'Europe/Moscow', birthday: '1990-05-01', attributes: {} };
// The profile fields a customer may not have: the fallbacks must read as well as the full text.
const bareCustomer = { ...fullCustomer, name: null, city: null };

/**
 * What "an empty line where text was expected" means, precisely. The body (trimmed) has:
 * - no line that is empty or only whitespace (a value or branch that rendered nothing);
 * - no element meant to hold text that is empty: <p>, <strong>, <td>, <summary>, <a>, <details>;
 * - in its visible text (tags taken as line breaks, each line trimmed): no two spaces in a row, no
 *   space before , . ! ? : ; or ), no "()", no ", ," or ",." (a value missing between words);
 * - no "undefined", "null", "NaN", "[object" and no Liquid left over.
 */
function problems(text: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) found.push(`line ${i + 1} is empty`);
  });
  for (const m of text.matchAll(/<(p|strong|td|summary|a|details)\b[^>]*>\s*<\/\1>/g)) found.push(`empty element ${m[0]}`);
  for (const line of text.replace(/<[^>]*>/g, '\n').split('\n').map((l) => l.trim()).filter(Boolean)) {
    if (/ {2}/.test(line)) found.push(`two spaces in "${line}"`);
    if (/\s[,.!?:;)]/.test(line)) found.push(`space before punctuation in "${line}"`);
    if (/\(\s*\)|,\s*[,.]/.test(line)) found.push(`a hole in "${line}"`);
  }
  if (/\b(undefined|null|NaN)\b|\[object/.test(text)) found.push('a missing value printed');
  if (/\{\{|\{%/.test(text)) found.push('Liquid left over');
  return found;
}

const locales = shippedLocales(dir);
const files = (locale: string) => readdirSync(join(dir, locale)).filter((f) => !f.startsWith('_') && f.endsWith('.liquid'));

describe('the shipped templates', () => {
  it('ship in Russian and English, with the same set of templates in each', () => {
    expect(locales.sort()).toEqual(['en', 'ru']);
    expect(files('ru').sort()).toEqual(files('en').sort());
    expect(readdirSync(join(dir, 'ru'))).toContain('_footer.email.liquid');
    expect(readdirSync(join(dir, 'en'))).toContain('_footer.email.liquid');
    // A template without a row in journeyData would not be checked below.
    expect(new Set(files('ru').map((f) => f.split('.')[0]))).toEqual(new Set(Object.keys(journeyData)));
  });

  for (const locale of ['ru', 'en']) {
    for (const customer of [fullCustomer, bareCustomer]) {
      it(`every template renders in ${locale} for a customer ${customer.name ? 'with' : 'without'} a name and city, with no missing variable or empty line`, async () => {
        for (const file of files(locale)) {
          const [template, channel] = file.split('.') as [string, Channel];
          const data = { customer: { ...customer, locale }, unsubscribeUrl: 'https://cascade.example/unsubscribe?token=a.b', ...journeyData[template] };
          const out = await render(template, channel, data, { locale, timeZone: customer.timeZone });
          expect(out.locale, file).toBe(locale);
          expect(problems(out.body), `${locale}/${file}:\n${out.body}`).toEqual([]);
          if (channel === 'email' || channel === 'push' || channel === 'webhook') {
            expect(out.subject, `${locale}/${file} has a subject`).toMatch(/\S/);
            expect(problems(out.subject!), `${locale}/${file} subject: ${out.subject}`).toEqual([]);
          }
          if (channel === 'email') expect(out.body, file).toContain('href="https://cascade.example/unsubscribe?token=a.b"');
          // Russian copy is Russian: at least as many Cyrillic letters as Latin ones in what the customer reads.
          const visible = `${out.subject ?? ''} ${out.body.replace(/<[^>]*>/g, ' ')}`;
          const cyrillic = (visible.match(/\p{Script=Cyrillic}/gu) ?? []).length;
          const latin = (visible.match(/\p{Script=Latin}/gu) ?? []).length;
          if (locale === 'ru') expect(cyrillic, `${file} reads Russian`).toBeGreaterThan(latin);
          else expect(cyrillic, `${file} reads English`).toBeLessThan(latin);
        }
      });
    }
  }

  it('a template that uses a variable its journey does not pass fails the render under strictVariables', async () => {
    await expect(render('quarterly-bonus', 'email', { customer: fullCustomer }, { locale: 'ru' })).rejects.toThrow(/undefined variable: bonus/);
  });
});

/** A template folder of the test's own, for what the shipped ones do not cover. */
function folder(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'cascade-templates-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('plural, money and date filters', () => {
  const own = createRenderer(
    folder({
      'ru/count.sms.liquid': '{{ n }} {{ n | plural: "бонус", "бонуса", "бонусов" }}',
      'en/count.sms.liquid': '{{ n }} {{ n | plural: "bonus", "bonuses" }}|{{ n }} {{ n | plural: "item", "items", "items" }}',
      'ru/when.sms.liquid': '{{ at | date_local }}|{{ at | date_local: "day" }}|{{ at | date_local: "short", "none" }}',
      'en/when.sms.liquid': '{{ at | date_local }}|{{ at | date_local: "day" }}|{{ at | date_local: "short", "none" }}',
      'ru/price.email.liquid': '{{ total | money: "RUB" }}|{{ total | money: "EUR" }}',
      'en/price.email.liquid': '{{ total | money: "RUB" }}|{{ total | money: "EUR" }}',
    }),
    { strictVariables: true },
  );
  const body = async (template: string, channel: Channel, data: Record<string, unknown>, locale: string, timeZone = 'Europe/Moscow') =>
    (await own(template, channel, data, { locale, timeZone })).body.replace(/[\u00A0\u202F]/g, ' ');

  it('Russian: one, few and many by the last digits (1, 2, 5, 11, 21, 101); fractions take the few form', async () => {
    const said = await Promise.all([1, 2, 5, 11, 21, 101, 1.5].map((n) => body('count', 'sms', { n }, 'ru')));
    expect(said).toEqual(['1 бонус', '2 бонуса', '5 бонусов', '11 бонусов', '21 бонус', '101 бонус', '1.5 бонуса']);
  });

  it('English: one and other, with two forms or three', async () => {
    const said = await Promise.all([1, 2, 5, 11, 21, 101].map((n) => body('count', 'sms', { n }, 'en')));
    expect(said).toEqual(['1 bonus|1 item', '2 bonuses|2 items', '5 bonuses|5 items', '11 bonuses|11 items', '21 bonuses|21 items', '101 bonuses|101 items']);
  });

  it('in the shipped copy: 21 бонусный рубль, 2 бонусных рубля, 5 бонусных рублей; 1 bonus rouble', async () => {
    const subject = async (bonus: number, locale: string) => (await render('quarterly-bonus', 'email', { customer: fullCustomer, bonus, quarter: 'Q1' }, { locale })).subject;
    expect(await subject(21, 'ru')).toBe('Дарим 21 бонусный рубль в этом квартале');
    expect(await subject(2, 'ru')).toBe('Дарим 2 бонусных рубля в этом квартале');
    expect(await subject(5, 'ru')).toBe('Дарим 5 бонусных рублей в этом квартале');
    expect(await subject(1, 'en')).toBe('1 bonus rouble for you this quarter');
    expect(await subject(500, 'en')).toBe('500 bonus roubles for you this quarter');
  });

  it('money in the customer locale: 4 990 ₽ and 4 990,50 ₽ in Russian, RUB 4,990 in English', async () => {
    expect(await body('price', 'email', { total: 4990 }, 'ru')).toBe('4 990 ₽|4 990 €');
    expect(await body('price', 'email', { total: '4990.5' }, 'ru-RU')).toBe('4 990,50 ₽|4 990,50 €');
    expect(await body('price', 'email', { total: 4990 }, 'en')).toBe('RUB 4,990|€4,990');
    const confirmation = await render('order-confirmation', 'email', { customer: fullCustomer, event: { orderId: 'A-1', total: 4990 } }, { locale: 'ru' });
    expect(confirmation.body.replace(/\u00A0/g, ' ')).toContain('на сумму 4 990 ₽.');
  });

  it('dates in the customer locale and time zone, from an ISO string, a Date or epoch ms', async () => {
    for (const at of [appointmentAt, new Date(appointmentAt), Date.parse(appointmentAt)]) {
      expect(await body('when', 'sms', { at }, 'ru')).toBe('1 мая 2024 г. в 13:00|1 мая в 13:00|01.05.2024');
      expect(await body('when', 'sms', { at }, 'en')).toBe('May 1, 2024 at 1:00 PM|May 1 at 1:00 PM|5/1/24');
    }
    expect(await body('when', 'sms', { at: appointmentAt }, 'ru', 'Asia/Yekaterinburg')).toBe('1 мая 2024 г. в 15:00|1 мая в 15:00|01.05.2024');
    expect(await body('when', 'sms', { at: appointmentAt }, 'en-GB', 'UTC')).toBe('1 May 2024 at 10:00|1 May at 10:00|01/05/2024');
    const reminder = await render('service-reminder', 'sms', { customer: fullCustomer, event: { appointmentAt } }, { locale: 'en', timeZone: 'Europe/Moscow' });
    // No no-break space from Intl in an SMS: it would make the English text UCS-2.
    expect(reminder.body).toBe('Анна, reminder: your service appointment is on May 1 at 1:00 PM. To reschedule, reply or call us.');
  });
});

describe('the locale fallback chain', () => {
  const chainDir = folder({
    'ru/hello.email.liquid': 'subject: Привет\n---\nru',
    'ru-RU/only-ru-ru.sms.liquid': 'ru-RU',
    'en/hello.email.liquid': 'subject: Hello\n---\nen',
    'en/english-only.sms.liquid': 'en only',
    'de/german-only.sms.liquid': 'de only',
  });
  const chain = createRenderer(chainDir, { defaultLocale: 'ru' });
  const from = async (template: string, channel: Channel, locale: string | null) => (await chain(template, channel, {}, { locale })).locale;

  it('ru-RU → ru → the default → any locale that has it; TemplateNotFound only when none has', async () => {
    expect(await from('hello', 'email', 'ru-RU')).toBe('ru');
    expect(await from('hello', 'email', 'ru-ru')).toBe('ru'); // any case: tags are canonicalised
    expect(await from('only-ru-ru', 'sms', 'ru-RU')).toBe('ru-RU');
    expect(await from('hello', 'email', 'en-US')).toBe('en');
    expect(await from('hello', 'email', 'fr')).toBe('ru'); // no French: the default
    expect(await from('hello', 'email', null)).toBe('ru');
    expect(await from('english-only', 'sms', 'ru')).toBe('en'); // not in ru nor the default: the first found
    expect(await from('german-only', 'sms', 'ru-RU')).toBe('de');
    await expect(chain('nowhere', 'sms', {}, { locale: 'ru' })).rejects.toBeInstanceOf(TemplateNotFoundError);
    await expect(chain('hello', 'sms', {}, { locale: 'ru' })).rejects.toBeInstanceOf(TemplateNotFoundError);
    await expect(chain('../ru/hello', 'email', {}, { locale: 'ru' })).rejects.toBeInstanceOf(TemplateNotFoundError);
  });

  it('the default locale is configurable: English by default sends a customer without a locale the English text', async () => {
    const english = createRenderer(chainDir, { defaultLocale: 'en' });
    expect((await english('hello', 'email', {}, { locale: null })).subject).toBe('Hello');
    expect((await english('hello', 'email', {}, { locale: 'ru' })).subject).toBe('Привет');
  });
});

describe('SMS cost in the renderer', () => {
  const smsDir = folder({
    'ru/short.sms.liquid': 'Привет',
    'ru/capped.sms.liquid': 'max_segments: 1\n---\nПривет, {{ name }}',
  });

  it('counts segments, and takes the maximum from the template header, else the global setting', async () => {
    const sms = createRenderer(smsDir, { smsMaxSegments: 5 });
    expect((await sms('short', 'sms', {}, { locale: 'ru' })).sms).toEqual({ segments: 1, encoding: 'ucs2', maxSegments: 5 });
    expect((await sms('capped', 'sms', { name: 'я'.repeat(70) }, { locale: 'ru' })).sms).toEqual({ segments: 2, encoding: 'ucs2', maxSegments: 1 });
    expect((await createRenderer(smsDir)('short', 'sms', {}, { locale: 'ru' })).sms?.maxSegments).toBe(3);
    expect((await render('tyre-season-offer', 'sms', { customer: fullCustomer }, { locale: 'en' })).sms).toEqual({ segments: 1, encoding: 'gsm7', maxSegments: 2 });
    expect((await render('tyre-season-offer', 'sms', { customer: fullCustomer }, { locale: 'ru' })).sms).toEqual({ segments: 2, encoding: 'ucs2', maxSegments: 2 });
    expect((await render('welcome-hello', 'email', { customer: fullCustomer }, { locale: 'ru' })).sms).toBeNull();
  });
});
