/** GET /v1/templates, POST /v1/templates/:name/preview and /test-send. */
import { z } from 'zod';
import { channels } from '../workflows/contract';
import { customerIdSchema, jsonObject, text } from './common';
import { emailSchema, localeSchema, MAX_ATTRIBUTES_BYTES, phoneSchema } from './customers';

export const templateNameSchema = text().regex(/^[a-z0-9][a-z0-9-]*$/, 'a template name: lowercase letters, digits and -').max(100);

const channel = z.enum(channels);
const sampleData = jsonObject({ maxBytes: MAX_ATTRIBUTES_BYTES, maxDepth: 16 }).meta({ description: 'Template variables: merged over the customer\'s, or the whole sample without customerId' });

export const templateListAnswer = z.array(
  z.object({
    name: z.string(),
    channels: z.array(channel),
    locales: z.array(z.string()),
    variables: z.array(z.string()).meta({ description: 'Dotted paths the template reads (customer.name, promoCode, event.cartId)' }),
    files: z.array(z.object({ locale: z.string(), channel })).meta({ description: 'Which locale holds which channel' }),
  }),
);

export const previewBody = z
  .object({
    channel,
    locale: localeSchema.optional().meta({ description: 'BCP 47; tried first, then the fallback chain. Without it: the customer\'s, or the default' }),
    customerId: customerIdSchema.optional().meta({ description: 'Render for this stored customer, as a send would' }),
    data: sampleData.optional(),
    transactional: z.boolean().default(false).meta({ description: 'true: no unsubscribe footer (a marketing preview shows it with a sample link)' }),
  })
  .strict();

export const previewAnswer = z.object({
  subject: z.string().nullable(),
  html: z.string().nullable().meta({ description: 'Email only: the body as sent' }),
  text: z.string().meta({ description: 'Email: the HTML as plain text; other channels: the body as sent' }),
  smsSegments: z.number().int().optional().meta({ description: 'SMS only: the parts the text costs' }),
  locale: z.string().meta({ description: 'The locale folder the template came from' }),
});

/** Where a test copy may go, per channel, in the spelling the adapter takes. */
const recipients = {
  email: emailSchema,
  sms: phoneSchema,
  push: text().trim().min(8).max(4096),
  /** A private chat's id is the user's: digits (a group's is negative). */
  telegram: text().trim().regex(/^-?\d{1,20}$/),
} as const;

const RECIPIENT_NAME = { email: 'email address', sms: 'phone number', push: 'push token', telegram: 'Telegram chat id' } as const;

export const testSendBody = z
  .object({
    channel,
    to: text().meta({ description: 'An email address, a phone number (stored E.164), a push token or a Telegram chat id, per channel' }),
    locale: localeSchema.optional(),
    data: sampleData.optional(),
    transactional: z.boolean().default(false),
  })
  .strict()
  .transform((body, ctx) => {
    // A webhook goes to the shop's own system, which would take a test copy for a real message.
    if (body.channel === 'webhook') {
      ctx.addIssue({ code: 'custom', path: ['channel'], message: 'webhook messages cannot be test-sent (they reach the shop\'s own system); preview them instead' });
      return z.NEVER;
    }
    const to = recipients[body.channel].safeParse(body.to);
    if (!to.success) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `not a valid ${RECIPIENT_NAME[body.channel]}` });
      return z.NEVER;
    }
    return { ...body, channel: body.channel, to: to.data };
  });

export type TestSendRequest = z.infer<typeof testSendBody>;

export const testSendAnswer = z.object({ provider: z.string(), providerMessageId: z.string() });
