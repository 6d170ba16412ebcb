/** What operators set on a journey (pause, rollout, test mode) and the exit of a customer from one. */
import { z } from 'zod';
import { customerIdSchema, text } from './common';

/** A journey named in a path; unknown ones are a 404, answered by the route. */
export const journeyIdParam = text().min(1).max(100);

export const journeySettingsBody = z
  .object({
    rolloutPercent: z.number().int().min(1).max(100).meta({ description: 'A stable share of customers an event may start the journey for; widening keeps those already in' }).optional(),
    testRecipients: z
      .array(customerIdSchema)
      .min(1)
      .max(1000)
      .nullable()
      .meta({ description: 'Test mode: only these customers enter; null ends test mode' })
      .optional(),
  })
  .strict()
  .refine((b) => b.rolloutPercent !== undefined || b.testRecipients !== undefined, { message: 'give rolloutPercent or testRecipients', path: ['rolloutPercent'] });

export const journeySettingsAnswer = z.object({
  journey: z.string(),
  paused: z.boolean(),
  rolloutPercent: z.number().int(),
  testRecipients: z.array(z.string()).nullable(),
});

export const exitBody = z.object({ reason: text().trim().min(1).max(500) }).strict();

export const exitAnswer = z.object({
  journey: z.string(),
  customerId: z.string(),
  /** The runs told to end; each records `exited: operator: <reason>` as it ends. */
  exited: z.array(z.string()),
});
