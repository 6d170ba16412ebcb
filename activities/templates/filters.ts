/**
 * Liquid filters for what another language needs, all through `Intl` in the customer's locale and
 * time zone. The renderer puts both in the render's globals (`FORMAT_GLOBAL`) for each render, so
 * one cached engine serves every customer and no render sees another's settings.
 *
 *   {{ bonus | plural: "бонус", "бонуса", "бонусов" }}   the form only: `{{ bonus }} {{ bonus | plural: … }}`
 *   {{ order.total | money: "RUB" }}                    4 990 ₽ (ru), RUB 4,990 (en)
 *   {{ sentAt | date_local }}                           1 мая 2024 г. в 13:00; args: date style, time style
 */
import type { Liquid } from 'liquidjs';

export const FORMAT_GLOBAL = '_format';

export interface FormatSettings {
  locale: string;
  timeZone: string;
}

type Filter = (this: { context: { globals: Record<string, unknown> } }, value: unknown, ...args: unknown[]) => unknown;

function settings(ctx: { context: { globals: Record<string, unknown> } }): FormatSettings {
  return (ctx.context.globals[FORMAT_GLOBAL] as FormatSettings | undefined) ?? { locale: 'en', timeZone: 'UTC' };
}

const DATE_STYLES = ['full', 'long', 'medium', 'short'] as const;
type Style = (typeof DATE_STYLES)[number];
const isStyle = (s: unknown): s is Style => DATE_STYLES.includes(s as Style);

/**
 * Forms are given the way a grammar book lists them: Russian one/few/many (бонус, бонуса, бонусов),
 * English one/other. With three forms a locale without `few` (English) uses the third for the
 * rest; `other`, which in Russian is fractions (1,5 бонуса), takes the `few` form.
 */
export function pluralForm(locale: string, count: number, forms: readonly string[]): string {
  if (forms.length < 2 || forms.length > 3) throw new Error(`plural wants 2 forms (one, other) or 3 (one, few, many); got ${forms.length}`);
  const rules = new Intl.PluralRules(locale);
  const category = Number.isFinite(count) ? rules.select(count) : 'other';
  const [one, few, many = few] = forms as [string, string, string?];
  if (category === 'one') return one;
  if (forms.length === 2) return few;
  if (category === 'few' || category === 'two') return few;
  if (category === 'other' && rules.resolvedOptions().pluralCategories.includes('few')) return few;
  return many!;
}

const plural: Filter = function (value, ...forms) {
  return pluralForm(settings(this).locale, Number(value), forms.map(String));
};

const money: Filter = function (value, currency) {
  if (value === null || value === undefined || value === '') return '';
  const amount = Number(value);
  if (!Number.isFinite(amount)) return String(value);
  if (typeof currency !== 'string' || !currency) throw new Error('money wants a currency code: {{ total | money: "RUB" }}');
  // `stripIfInteger`: 4 990 ₽, not 4 990,00 ₽; kopecks still show when there are any.
  const options = { style: 'currency', currency, trailingZeroDisplay: 'stripIfInteger' } as Intl.NumberFormatOptions;
  return new Intl.NumberFormat(settings(this).locale, options).format(amount);
};

function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return new Date(Number(value));
  if (typeof value === 'string') return new Date(value);
  return undefined;
}

const dateLocal: Filter = function (value, dateStyle = 'long', timeStyle = 'short') {
  if (value === null || value === undefined || value === '') return '';
  const date = toDate(value);
  if (!date || Number.isNaN(date.getTime())) return String(value);
  const { locale, timeZone } = settings(this);
  const withTime = timeStyle !== 'none';
  if (withTime && !isStyle(timeStyle)) throw new Error(`date_local: time style ${String(timeStyle)} is not full, long, medium, short or none`);
  let options: Intl.DateTimeFormatOptions;
  if (dateStyle === 'day') {
    // Day and month without the year, for a date days away ("1 мая в 13:00", "May 1 at 1:00 PM").
    options = { day: 'numeric', month: 'long', ...(withTime ? { hour: 'numeric', minute: '2-digit' } : {}) };
  } else if (dateStyle === 'none') {
    if (!withTime) throw new Error('date_local: date and time style cannot both be none');
    options = { timeStyle: timeStyle as Style };
  } else if (isStyle(dateStyle)) {
    options = { dateStyle, ...(withTime ? { timeStyle: timeStyle as Style } : {}) };
  } else {
    throw new Error(`date_local: date style ${String(dateStyle)} is not full, long, medium, short, day or none`);
  }
  return new Intl.DateTimeFormat(locale, { ...options, timeZone }).format(date);
};

export function registerLocaleFilters(engine: Liquid): void {
  engine.registerFilter('plural', plural as never);
  engine.registerFilter('money', money as never);
  engine.registerFilter('date_local', dateLocal as never);
}
