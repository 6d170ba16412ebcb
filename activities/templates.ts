/**
 * Message templates are Liquid files in `templates/<locale>/`, one per template and channel:
 * `templates/ru/welcome-1.email.liquid`. A file may open with header lines ended by `---`:
 * `subject:` (email, webhook), `title:` (push), `max_segments:` (SMS: the most parts it may cost).
 * The customer's locale picks the folder (templates/locale.ts: `ru-RU` → `ru` → the default →
 * any); each template is looked up on its own, so one missing translation falls back alone.
 * Data: `customer` (profile), `event` (trigger properties), `unsubscribeUrl` (marketing only), and
 * whatever the journey passes. The locale's `_footer.email.liquid` is appended to every marketing email.
 *
 * Data is never markup. An email body escapes every `{{ value }}` (a fragment that must stay HTML
 * says so with `| raw` in the template); subjects, SMS, push, webhook and Telegram text are plain text and
 * are not escaped (an SMS reading `&lt;` is a bug too). Hidden characters are taken out of every
 * value first, so a name cannot reorder or hide the text around it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Liquid } from 'liquidjs';
import { stripHidden, stripHiddenDeep } from '../lib/hidden-characters';
import type { Channel } from '../workflows/contract';
import { FORMAT_GLOBAL, registerLocaleFilters, type FormatSettings } from './templates/filters';
import { DEFAULT_LOCALE, DEFAULT_SMS_MAX_SEGMENTS } from '../lib/config';
import { canonicalLocale } from '../lib/locale';
import { localeChain } from '../lib/locale';
import { fromRoot } from '../lib/paths';
import { formattingLocale } from './templates/locale';
import { smsCost, type SmsEncoding } from './templates/sms-segments';

export interface Rendered {
  subject: string | null;
  body: string;
  /** The locale folder the template came from. */
  locale: string;
  /** SMS only: what the text costs, and the most this template may cost. */
  sms: { segments: number; encoding: SmsEncoding; maxSegments: number } | null;
}

export interface RenderFor {
  /** The customer's BCP 47 locale; null or absent: the default. */
  locale?: string | null;
  /** IANA time zone dates are written in. */
  timeZone?: string | null;
}

export interface RendererOptions {
  /** CASCADE_DEFAULT_LOCALE. */
  defaultLocale?: string;
  /** CASCADE_SMS_MAX_SEGMENTS: the most parts an SMS may cost when its template names no `max_segments`. */
  smsMaxSegments?: number;
  /** A variable the data lacks fails the render (tests: every template against a full fixture). */
  strictVariables?: boolean;
}

export class TemplateNotFoundError extends Error {}

const defaultDir = fromRoot('templates');
const NAME = /^[a-z0-9][a-z0-9-]*$/;

interface Parsed {
  header: Record<string, string>;
  body: string;
}

/** The locale folders under `dir` (`en`, `ru`, `ru-RU`…), in their canonical spelling. */
export function shippedLocales(dir = defaultDir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => canonicalLocale(name) === name && statSync(join(dir, name)).isDirectory());
}

function parse(source: string): Parsed {
  const split = source.match(/^((?:[a-z_]+:.*\n)+)---\n([\s\S]*)$/);
  const header: Record<string, string> = {};
  for (const line of split?.[1]?.split('\n') ?? []) {
    const i = line.indexOf(':');
    if (i > 0) header[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return { header, body: split ? split[2]! : source };
}

export function createRenderer(dir = defaultDir, opts: RendererOptions = {}) {
  const defaultLocale = canonicalLocale(opts.defaultLocale ?? DEFAULT_LOCALE) ?? DEFAULT_LOCALE;
  const smsMaxSegments = opts.smsMaxSegments ?? DEFAULT_SMS_MAX_SEGMENTS;
  // lenientIf: under strictVariables an `{% if customer.name %}` or `| default:` guard may still
  // ask about a value that is not there; only an unguarded one fails.
  const html = new Liquid({ strictFilters: true, lenientIf: true, cache: true, outputEscape: 'escape' });
  const text = new Liquid({ strictFilters: true, lenientIf: true, cache: true });
  registerLocaleFilters(html);
  registerLocaleFilters(text);
  const files = new Map<string, Parsed | null>();
  let locales: string[] | undefined;

  function read(file: string): Parsed | null {
    if (!files.has(file)) files.set(file, existsSync(file) ? parse(readFileSync(file, 'utf8')) : null);
    return files.get(file)!;
  }

  /** The first locale in the customer's chain that has this file. */
  function find(fileName: string, locale: string | null | undefined): { locale: string; parsed: Parsed } | undefined {
    locales ??= shippedLocales(dir);
    for (const candidate of localeChain(locale, defaultLocale, locales)) {
      if (!locales.includes(candidate)) continue;
      const parsed = read(join(dir, candidate, fileName));
      if (parsed) return { locale: candidate, parsed };
    }
    return undefined;
  }

  return async function render(template: string, channel: Channel, data: Record<string, unknown>, to: RenderFor = {}): Promise<Rendered> {
    const found = NAME.test(template) ? find(`${template}.${channel}.liquid`, to.locale) : undefined;
    if (!found) throw new TemplateNotFoundError(`No template ${template}.${channel}.liquid in any locale folder of ${dir}`);
    const { header, body } = found.parsed;
    const values = stripHiddenDeep(data);
    const format: FormatSettings = { locale: formattingLocale(to.locale, found.locale), timeZone: to.timeZone || 'UTC' };
    const options = { globals: { [FORMAT_GLOBAL]: format }, strictVariables: opts.strictVariables ?? false };
    const bodyEngine = channel === 'email' ? html : text;
    let rendered = (await bodyEngine.parseAndRender(body, values, options)).trim();
    // Every marketing email gets the visible unsubscribe link, whatever its template says, in the
    // language of the email it closes.
    const footer = channel === 'email' && values.unsubscribeUrl ? read(join(dir, found.locale, '_footer.email.liquid')) ?? find('_footer.email.liquid', to.locale)?.parsed : undefined;
    if (footer) rendered += `\n${(await html.parseAndRender(footer.body, values, options)).trim()}`;
    const headline = header.subject ?? header.title;
    const subject = headline ? stripHidden(await text.parseAndRender(headline, values, options), { singleLine: true }).trim() : null;
    if (channel !== 'sms') return { subject, body: rendered, locale: found.locale, sms: null };

    // Intl writes no-break spaces (4 990 ₽, 1:00 PM); in an SMS one would make a Latin text
    // UCS-2 and double its cost, for a difference no phone shows.
    rendered = rendered.replace(/[\u00A0\u202F\u2007]/g, ' ');
    const max = header.max_segments === undefined ? smsMaxSegments : Number(header.max_segments);
    if (!Number.isInteger(max) || max < 1) throw new Error(`${found.locale}/${template}.sms.liquid: max_segments must be a positive integer, got ${header.max_segments}`);
    const cost = smsCost(rendered);
    return { subject, body: rendered, locale: found.locale, sms: { segments: cost.segments, encoding: cost.encoding, maxSegments: max } };
  };
}

export type Renderer = ReturnType<typeof createRenderer>;
