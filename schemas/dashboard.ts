/** The dashboard's forms: sign-in (POST /dashboard/login) and a results page's filters (GET query). */
import { z } from 'zod';
import { attributionSchema } from './analytics';
import { calendarDate, text } from './common';

export const dashboardLoginForm = z.strictObject({
  key: text().min(1, 'give an API key').max(200).meta({ description: 'An API key with the read scope' }),
  csrf: z.string().max(100).meta({ description: "The form's token (the login cookie's value); without it, 403" }),
  next: z.string().max(500).optional().meta({ description: 'The dashboard page to go to once signed in' }),
});

export const dashboardLogoutForm = z.strictObject({
  csrf: z.string().max(100).meta({ description: "The page's sign-out token; without it, 403" }),
});

/** A date input left empty arrives as `from=`: the same as leaving it out. */
const optionalDay = z.preprocess((v) => (v === '' ? undefined : v), calendarDate().optional());

/** A person picks days, both shown: `to` is the last day counted (the API's `to` is the bound after it). */
export const dashboardFilters = z
  .strictObject({
    from: optionalDay.meta({ description: 'First day (YYYY-MM-DD, UTC) of the sends counted' }),
    to: optionalDay.meta({ description: 'Last day (YYYY-MM-DD, UTC) of the sends counted, inclusive' }),
    attribution: attributionSchema,
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { message: 'must be on or after from', path: ['to'] });

export type DashboardFilters = z.infer<typeof dashboardFilters>;
