/** GET /v1/data-quality, GET /v1/reconciliation, and merging duplicates (POST /v1/customers/:id/merge, revert). */
import { z } from 'zod';
import { calendarDate, customerIdSchema } from './common';
import { timeZoneSchema } from './customers';

/** A year and a day: a monthly comparison, or a whole year, in one call. */
export const MAX_RECONCILIATION_DAYS = 366;

export const reconciliationQuery = z
  .object({
    from: calendarDate().meta({ description: 'First day, YYYY-MM-DD' }),
    to: calendarDate().meta({ description: 'Last day, YYYY-MM-DD (included)' }),
    timeZone: timeZoneSchema.default('UTC').meta({ description: 'Whose calendar days (IANA); default UTC' }),
  })
  .strict()
  .superRefine((q, ctx) => {
    const days = (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 + 1;
    if (days < 1) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    else if (days > MAX_RECONCILIATION_DAYS) ctx.addIssue({ code: 'custom', path: ['to'], message: `at most ${MAX_RECONCILIATION_DAYS} days after from` });
  });

const orderFigures = z.object({ source: z.string(), currency: z.string(), orders: z.number().int(), revenue: z.string().meta({ description: 'Exact sum of totals, as text' }) });

export const reconciliationAnswer = z.object({
  from: z.string(),
  to: z.string(),
  timeZone: z.string(),
  days: z.array(z.object({ date: z.string(), newCustomers: z.number().int(), orders: z.array(orderFigures) })),
  totals: z.object({ newCustomers: z.number().int(), orders: z.array(orderFigures) }),
});

const finding = <T extends z.ZodType>(sample: T) => z.object({ count: z.number().int(), samples: z.array(sample) });
const duplicate = z.object({ value: z.string(), customers: z.number().int(), customerIds: z.array(z.string()).meta({ description: 'Oldest first: the likely survivor' }) });
const invalid = z.object({ customerId: z.string(), value: z.string(), problem: z.string() });

export const dataQualityAnswer = z.object({
  duplicateEmails: finding(duplicate).meta({ description: 'Groups of customers with the same lower-cased, trimmed email' }),
  duplicatePhones: finding(duplicate).meta({ description: 'Groups of customers with the same phone' }),
  invalidEmails: finding(invalid).meta({ description: 'Stored emails the API would refuse' }),
  invalidPhones: finding(invalid).meta({ description: 'Stored phones the API would refuse, or not stored in E.164' }),
  implausibleOrderDays: finding(z.object({ customerId: z.string(), day: z.string(), orders: z.number().int() }))
    .extend({ threshold: z.number().int() })
    .meta({ description: 'A customer with more orders on one UTC day than threshold' }),
  activityWithoutContact: finding(z.object({ customerId: z.string(), events: z.number().int(), orders: z.number().int() })).meta({
    description: 'Customers with events or orders but no email, phone or push token (events for unknown customers cannot be stored: they are refused with 404)',
  }),
});

export const mergeBody = z.object({ from: customerIdSchema.meta({ description: 'The duplicate to fold into this customer (deleted by the merge)' }) }).strict();

export const mergeAnswer = z.object({
  mergeId: z.number().int(),
  survivor: z.string(),
  merged: z.string(),
  moved: z.record(z.string(), z.number().int()).meta({ description: 'Rows re-pointed to the survivor, per kind' }),
  filled: z.array(z.string()).meta({ description: "Survivor fields that were empty and took the duplicate's value" }),
});

export const mergeIdSchema = z.coerce.number().int().positive().max(2_147_483_647);

export const revertAnswer = z.object({ mergeId: z.number().int(), restored: z.string(), survivor: z.string() });
