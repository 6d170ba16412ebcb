/** /v1/campaigns: a journey for every member of a segment, once or on a schedule. */
import { msToNumber } from '@temporalio/common/lib/time';
import { z } from 'zod';
import { journeyById } from '../workflows/registry';
import { customerIdSchema, text } from './common';
import { isTimeZone } from './customers';

/** Campaign ids name workflow ids and run keys: no `:` (built-in `audience:` campaigns), `@` or `~` (run-key separators). */
export const campaignIdSchema = text().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits and . _ - only');
/** A campaign named in a path: also the built-in `audience:<journey>` ones, which operators may read, pause and resume. */
export const campaignRefSchema = text().min(1).max(120).regex(/^(audience:)?[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a campaign id, or audience:<journey>');

const durationOk = (s: string) => {
  try {
    return msToNumber(s as Parameters<typeof msToNumber>[0]) >= 60_000;
  } catch {
    return false;
  }
};

export const campaignSchedule = z
  .object({
    cron: text().trim().min(1).max(200).meta({ description: 'A cron line, e.g. "0 9 1 1,4,7,10 *" (quarterly)' }).optional(),
    every: text().trim().max(50).refine(durationOk, 'a duration of a minute or more, e.g. "1 day", "90 days"').optional(),
    timeZone: text().max(100).refine(isTimeZone, 'unknown IANA time zone').optional(),
  })
  .strict()
  .refine((s) => (s.cron === undefined) !== (s.every === undefined), { message: 'give either cron or every', path: ['cron'] });

export const campaignBody = z
  .object({
    id: campaignIdSchema,
    journey: text()
      .min(1)
      .max(100)
      .refine((id) => journeyById(id) !== undefined, 'no such journey'),
    segment: text().min(1).max(200),
    ratePerSecond: z.number().int().min(1).max(10_000).meta({ description: 'Runs started per second at most; default unlimited' }).optional(),
    testRecipients: z.array(customerIdSchema).max(1000).meta({ description: 'Test mode: these customers only' }).optional(),
    rolloutPercent: z.number().int().min(1).max(100).meta({ description: 'A stable share of the segment; widen it with a second call' }).optional(),
    holdoutPercent: z
      .number()
      .int()
      .min(0)
      .max(50)
      .meta({ description: 'A stable share of the enrolled members kept out (run recorded, nothing sent) to measure uplift; default 0' })
      .optional(),
    schedule: campaignSchedule.optional(),
  })
  .strict();

export const campaignAnswer = z.object({
  id: z.string(),
  journey: z.string(),
  segment: z.string(),
  status: z.enum(['scheduled', 'running', 'paused', 'done', 'cancelled']),
  total: z.number().int().meta({ description: 'Members when the pass began (test recipients in test mode)' }),
  enrolled: z.number().int().meta({ description: 'Members with a run of this campaign (started in this pass or before)' }),
  skipped: z.number().int().meta({ description: 'Members passed over: outside the rollout share, or without a run key (no birthday, no order)' }),
  ratePerSecond: z.number().int().nullable(),
  testRecipients: z.array(z.string()).nullable(),
  rolloutPercent: z.number().int(),
  holdoutPercent: z.number().int(),
  schedule: z.object({ cron: z.string().optional(), every: z.string().optional(), timeZone: z.string().optional() }).nullable(),
  lastError: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
});

export const campaignList = z.object({ campaigns: z.array(campaignAnswer) });
