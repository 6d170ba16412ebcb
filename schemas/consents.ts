/** PUT /v1/customers/:customerId/consents: the customer's own consent. */
import { z } from 'zod';
import { knownTopics } from '../workflows/registry';
import { instant, text } from './common';

/** Clocks drift: a consent stamped a little ahead of ours is still believable. */
const FUTURE_SLACK_MS = 5 * 60_000;

export const consentBody = z
  .object({
    email: z.boolean().optional(),
    sms: z.boolean().optional(),
    push: z.boolean().optional(),
    webhook: z.boolean().optional(),
    telegram: z.boolean().optional(),
    topic: z
      .string()
      .refine((t) => t === '*' || knownTopics.includes(t), { message: `one of *, ${knownTopics.join(', ')}` })
      .optional()
      .meta({ description: 'The topic the channels are about; `*` (the default) is every topic' }),
    /** Where the customer consented: checkout-form, preference-centre… Required to grant. */
    source: text().trim().min(1).max(200).optional().meta({ description: 'Where the customer consented (checkout-form…); required to grant' }),
    consentedAt: instant()
      .transform((s) => new Date(s))
      .refine((d) => d.getTime() <= Date.now() + FUTURE_SLACK_MS, 'must not be in the future')
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const { source, consentedAt, topic: _topic, ...channels } = c;
    if (Object.keys(channels).length === 0) ctx.addIssue({ code: 'custom', message: 'give at least one of email, sms, push, webhook, telegram' });
    else if (!source && Object.values(channels).some(Boolean)) {
      ctx.addIssue({ code: 'custom', path: ['source'], message: 'say where the customer consented (e.g. checkout-form) to grant a channel' });
    }
  });

export const consentAnswer = z.object({
  customerId: z.string(),
  topic: z.string().optional(),
  consents: z.record(z.string(), z.boolean()),
  notes: z.array(z.object({ channel: z.string(), note: z.string() })).optional(),
});

export const consentHistoryAnswer = z.object({
  customerId: z.string(),
  changes: z.array(
    z.looseObject({
      channel: z.string(),
      topic: z.string(),
      granted: z.boolean(),
      applied: z.boolean(),
      source: z.string(),
      actor: z.string(),
      consentedAt: z.string(),
      recordedAt: z.string(),
      note: z.string().nullable(),
    }),
  ),
});
