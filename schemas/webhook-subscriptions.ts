/** /v1/webhooks: subscriptions of other systems to Cascade's events (events-out/). */
import { z } from 'zod';
import { outEventTypes } from '../events-out/types';
import { text } from './common';

export const webhookSubscriptionCreateBody = z
  .object({
    url: text()
      .max(2000)
      .refine((u) => URL.canParse(u) && ['http:', 'https:'].includes(new URL(u).protocol), 'must be an http(s) URL'),
    events: z.array(z.enum(outEventTypes)).min(1, 'must name at least one event').refine((e) => new Set(e).size === e.length, 'must not repeat an event'),
    secret: z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/, 'must be whsec_ followed by at least 24 bytes in base64')
      .optional()
      .meta({ description: 'Standard Webhooks signing secret; generated when absent' }),
  })
  .strict();

const subscriptionFields = {
  id: z.string(),
  url: z.string(),
  events: z.array(z.enum(outEventTypes)),
  createdAt: z.iso.datetime(),
};

export const webhookSubscriptionCreated = z.object({ ...subscriptionFields, secret: z.string().meta({ description: 'Shown in this answer only' }) });

export const webhookSubscriptionList = z.object({
  webhooks: z.array(
    z.object({
      ...subscriptionFields,
      failingSince: z.iso.datetime().nullable(),
      disabledAt: z.iso.datetime().nullable(),
      disabledReason: z.string().nullable(),
    }),
  ),
});

export const webhookSubscriptionIdSchema = z.string().regex(/^wh_[0-9a-f]{16}$/, 'wh_ and 16 hex characters');
