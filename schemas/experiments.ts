/** /v1/analytics/…/experiments: per-variant results and the holdout's uplift (analytics/experiments.ts). */
import { z } from 'zod';
import { calendarDate, instant } from './common';

const bound = (what: string) =>
  z
    .union([instant(), calendarDate()], { error: 'an ISO 8601 instant with offset or a date (YYYY-MM-DD)' })
    .transform((s) => new Date(s))
    .meta({ description: what });

export const experimentsQuery = z
  .object({
    from: bound('Runs started at or after this (ISO 8601 instant or date)').optional(),
    to: bound('…and before this').optional(),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from < q.to, { message: 'must be after from', path: ['to'] });

const test = {
  z: z.number(),
  pValue: z.number().meta({ description: 'Two-sided p-value of the two-proportion z-test' }),
  significant: z.boolean().meta({ description: 'pValue below 0.05' }),
};

const group = {
  runs: z.number().int().meta({ description: 'Runs (enrolments) in the group, refused ones left out' }),
  customers: z.number().int(),
  converted: z.number().int().meta({ description: "Runs with the journey's goal after their start, within the goal window" }),
  revenue: z.number().meta({ description: 'Total of those goals (orders)' }),
  conversionRate: z.number().meta({ description: 'converted / runs' }),
};

export const experimentsAnswer = z.object({
  journey: z.string(),
  campaignId: z.string().optional(),
  goal: z.object({ event: z.string(), withinMs: z.number() }).nullable(),
  experiments: z.array(
    z.object({
      experiment: z.string(),
      variants: z.array(
        z.object({
          variant: z.string(),
          sent: z.number().int().meta({ description: 'Messages sent with this variant' }),
          ...group,
          vsControl: z.object({ control: z.string(), difference: z.number(), ...test }).optional(),
        }),
      ),
    }),
  ),
  holdout: z
    .object({
      treated: z.object(group),
      holdout: z.object(group),
      uplift: z.object({
        absolute: z.number().meta({ description: 'treated rate − holdout rate' }),
        relative: z.number().nullable().meta({ description: 'absolute / holdout rate; null when the holdout converted none' }),
        ...test,
      }),
    })
    .nullable()
    .meta({ description: 'Null when no run was held out' }),
});
