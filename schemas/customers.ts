/** PUT /v1/customers/:customerId: the profile upsert body. */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';
import { canonicalLocale } from '../lib/locale';
import { calendarDate, jsonObject, text } from './common';

/** Zones found valid: building an Intl.DateTimeFormat costs ~0.1 ms, which a bulk import pays per row without this. */
const knownZones = new Set<string>();
export const isTimeZone = (tz: string) => {
  if (knownZones.has(tz)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    return false;
  }
  // Only valid names are kept (a few hundred, and their case variants, hence the cap).
  if (knownZones.size < 10_000) knownZones.add(tz);
  return true;
};

export const timeZoneSchema = text().max(100).refine(isTimeZone, 'unknown IANA time zone').meta({ description: 'IANA, e.g. Europe/Moscow' });

/** Exported so stored phones can be judged by the rule that admits them (data-quality/). */
export const phoneSchema = text()
  .trim()
  .transform((value, ctx) => {
    const parsed = parsePhoneNumberFromString(value, 'RU');
    if (!parsed?.isValid()) {
      ctx.addIssue({ code: 'custom', message: 'not a valid phone number' });
      return z.NEVER;
    }
    return parsed.number;
  })
  .meta({ description: 'Any format; stored E.164 (a number without a country code is read as Russian)' });

/** Exported for the template preview's `locale`. */
export const localeSchema = text()
  .trim()
  .max(100)
  .transform((value, ctx) => {
    const canonical = canonicalLocale(value);
    if (!canonical) {
      ctx.addIssue({ code: 'custom', message: 'not a BCP 47 language tag (e.g. ru-RU, en)' });
      return z.NEVER;
    }
    return canonical;
  })
  .meta({ description: 'BCP 47, e.g. ru-RU; stored canonical. Picks the template language (ru-RU, then ru, then CASCADE_DEFAULT_LOCALE); null: the default' });

/** Nobody on record lived past 122: a date of birth further back, or to come, is a typo or a placeholder (2999-01-01). */
export const MAX_AGE_YEARS = 120;
/** Today where it is latest (UTC+14), so a baby born today anywhere is not refused. */
const latestToday = (now: Date) => new Date(now.getTime() + 14 * 3_600_000).toISOString().slice(0, 10);

/** A date of birth: YYYY-MM-DD, not in the future, at most MAX_AGE_YEARS back. The import checks rows with this schema too. */
export const birthDateSchema = calendarDate()
  .superRefine((date, ctx) => {
    const today = latestToday(new Date());
    if (date > today) return void ctx.addIssue({ code: 'custom', message: 'a date of birth cannot be in the future' });
    const earliest = `${Number(today.slice(0, 4)) - MAX_AGE_YEARS}${today.slice(4)}`;
    if (date < earliest) ctx.addIssue({ code: 'custom', message: `a date of birth more than ${MAX_AGE_YEARS} years back (before ${earliest}) is not plausible` });
  })
  .meta({ description: `YYYY-MM-DD; not in the future, at most ${MAX_AGE_YEARS} years back` });

export const emailSchema = z.email().max(320).transform((e) => e.toLowerCase());

export const MAX_ATTRIBUTES_BYTES = 64 * 1024;

export const customerBody = z
  .object({
    email: emailSchema.nullable(),
    phone: phoneSchema.nullable(),
    name: text().trim().max(200).nullable(),
    city: text().trim().max(200).nullable(),
    locale: localeSchema.nullable(),
    timeZone: timeZoneSchema,
    birthday: birthDateSchema.nullable(),
    attributes: jsonObject({ maxBytes: MAX_ATTRIBUTES_BYTES, maxDepth: 16 }),
    consents: z
      .object({ email: z.boolean(), sms: z.boolean(), push: z.boolean(), webhook: z.boolean() })
      .partial()
      .strict()
      .meta({ description: 'A profile sync: it cannot undo an unsubscribe, complaint or bounce' }),
    pushTokens: z.array(text().min(8).max(4096)).max(20),
  })
  .partial()
  .strict();

export const customerAnswer = z.looseObject({
  id: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  consents: z.record(z.string(), z.boolean()),
  consentsRefused: z.array(z.object({ channel: z.string(), note: z.string().optional() })).optional(),
});

/** Channel → topic → granted; `*` is the channel's word for every topic, a topic's own row overrides it. */
const consentsByChannel = z.record(z.string(), z.record(z.string(), z.boolean()));

export const customerDetail = z.looseObject({
  id: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  locale: z.string().nullable(),
  consents: consentsByChannel.meta({ description: 'The stored consent rows: channel → topic (`*` = every topic) → granted' }),
  topics: consentsByChannel.meta({ description: 'What holds for each known topic on each channel with consent: the topic row, else `*`' }),
});

export const messagesAnswer = z.object({
  messages: z.array(
    z.looseObject({ id: z.number(), journey: z.string(), step: z.string(), channel: z.string(), template: z.string(), status: z.string(), skipReason: z.string().nullable() }),
  ),
});
