/** /v1/analytics: journey and campaign results, their daily series, the cross-journey summary, email health (analytics/). */
import { z } from 'zod';
import { calendarDate, instant, text } from './common';
import { isTimeZone } from './customers';

/** An instant with offset, or a date (midnight UTC). */
const bound = (what: string) =>
  z
    .union([instant(), calendarDate()], { error: 'an ISO 8601 instant with offset or a date (YYYY-MM-DD)' })
    .transform((s) => new Date(s))
    .meta({ description: what });

export const attributionSchema = z
  .enum(['last-touch', 'last-click'])
  .default('last-touch')
  .meta({ description: 'Which message a goal counts for: the last one sent before it (last-touch) or the last one clicked (last-click)' });

export const resultsQuery = z
  .object({
    from: bound('Messages asked for at or after this (ISO 8601 instant or date)').optional(),
    to: bound('…and before this').optional(),
    attribution: attributionSchema,
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from < q.to, { message: 'must be after from', path: ['to'] });

export const seriesQuery = z
  .object({
    from: bound('Messages asked for at or after this (ISO 8601 instant or date)').optional(),
    to: bound('…and before this').optional(),
    attribution: attributionSchema,
    timeZone: text().max(100).refine(isTimeZone, 'unknown IANA time zone').meta({ description: 'Days in this IANA zone; default UTC' }).optional(),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from < q.to, { message: 'must be after from', path: ['to'] });

export const journeyRefSchema = text().min(1).max(100);

const rates = z.object({
  delivery: z.number().meta({ description: 'delivered / sent' }),
  open: z.number().meta({ description: 'opened / sent' }),
  click: z.number().meta({ description: 'clicked / sent' }),
  conversion: z.number().meta({ description: 'converted / sent' }),
  bounce: z.number(),
  complaint: z.number(),
  unsubscribe: z.number(),
  clickOfOpened: z.number().meta({ description: 'clicked / opened' }),
  customerConversion: z.number().meta({ description: 'converted / recipients' }),
});

const countFields = {
  sent: z.number().int().meta({ description: 'Messages that left (not pending, skipped or failed)' }),
  delivered: z.number().int(),
  opened: z.number().int(),
  clicked: z.number().int(),
  bounced: z.number().int(),
  complained: z.number().int(),
  unsubscribed: z.number().int().meta({ description: 'Sent messages an unsubscribe was attributed to' }),
  converted: z.number().int().meta({ description: 'Customers with a goal attributed to these messages' }),
  conversions: z.number().int().meta({ description: 'Goals (orders) attributed to these messages' }),
  revenue: z.number().meta({ description: 'Total of the attributed orders' }),
  recipients: z.number().int().meta({ description: 'Customers the sent messages went to' }),
  rates,
};

const openedGroup = z.object({
  customers: z.number().int().meta({ description: 'Customers the sent messages went to' }),
  converted: z.number().int().meta({ description: '…of them with a goal attributed to these messages' }),
  revenue: z.number().meta({ description: 'Total of their attributed orders' }),
});

const byOpened = z
  .object({ opened: openedGroup, notOpened: openedGroup })
  .meta({ description: 'Customers who opened or clicked any of these messages against those who did not; the two add up to recipients, converted and revenue' });

export const resultsAnswer = z.object({
  journey: z.string(),
  campaignId: z.string().optional(),
  attribution: z.enum(['last-touch', 'last-click']),
  ...countFields,
  byOpened,
  steps: z.array(z.object({ step: z.string(), ...countFields })),
  channels: z.array(z.object({ channel: z.string(), ...countFields })),
});

export const summaryAnswer = z.object({
  attribution: z.enum(['last-touch', 'last-click']),
  journeys: z
    .array(z.object({ journey: z.string(), ...countFields, byOpened }))
    .meta({ description: 'Every journey in the code, then `api` (messages sent through the API), zeros where nothing was sent' }),
  total: z
    .object({ ...countFields, byOpened })
    .meta({ description: "The sum of the journeys' rows (a customer or an order two journeys share counts in each), rates from the sums" }),
});

export const seriesAnswer = z.object({
  journey: z.string(),
  campaignId: z.string().optional(),
  timeZone: z.string(),
  days: z.array(z.object({ day: z.iso.date(), ...countFields })),
});

const windowRates = z.object({
  days: z.number().int(),
  sent: z.number().int(),
  bounced: z.number().int(),
  complained: z.number().int(),
  bounceRate: z.number(),
  complaintRate: z.number(),
});

export const emailHealthAnswer = z.object({
  at: z.iso.datetime(),
  inactive: z.object({
    days: z.literal(30),
    inactiveDays: z.literal(90),
    marketingSent: z.number().int().meta({ description: 'Marketing emails sent in the last 30 days' }),
    inactiveSent: z.number().int().meta({ description: '…of them to customers mailed for 90+ days with no open or click in the 90 days before' }),
    share: z.number(),
  }),
  last7Days: windowRates,
  last30Days: windowRates,
  sunset: z.object({
    days: z.number().int().nullable().meta({ description: 'CASCADE_SUNSET_DAYS: marketing email to addresses with no open or click in this many days is skipped; null: off' }),
    skipped: z.number().int().meta({ description: 'Marketing emails skipped with reason `sunset` in the last 30 days' }),
  }),
  warning: z.string().nullable().meta({ description: 'Set when the inactive share passes 2 % or complaints pass 0.1 %, with what to do' }),
  warnings: z.array(
    z.object({ rule: z.enum(['inactive-share', 'complaint-rate']), value: z.number(), threshold: z.number(), message: z.string(), whatToDo: z.string() }),
  ),
});
