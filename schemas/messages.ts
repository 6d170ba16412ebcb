/** POST /v1/messages: one message, asked for directly rather than by a journey. */
import { z } from 'zod';
import { channels } from '../workflows/contract';
import { knownTopics } from '../workflows/registry';
import { customerIdSchema, jsonObject, text } from './common';

const channel = z.enum(channels);

export const messageBody = z
  .object({
    customerId: customerIdSchema,
    template: text().min(1).max(100).regex(/^[a-z0-9][a-z0-9-]*$/, 'a template name: a-z, 0-9 and -'),
    channel: channel.optional(),
    channels: z
      .array(channel)
      .min(1)
      .max(channels.length)
      .refine((list) => new Set(list).size === list.length, 'names a channel twice')
      .meta({ description: 'Tried in order: the first the customer can get is sent' })
      .optional(),
    data: jsonObject({ maxBytes: 16 * 1024, maxDepth: 8 }).default({}).meta({ description: 'Merged into the template data next to the customer profile' }),
    idempotencyKey: text()
      .min(1)
      .max(200)
      .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
      .meta({ description: 'A repeat with the same key answers the same ledger ids and sends nothing' }),
    category: z.enum(['transactional', 'marketing']).meta({
      description: 'transactional: exempt from marketing consent and caps, never from suppression; marketing: consent per channel (and topic), caps',
    }),
    topic: z
      .string()
      .refine((t) => knownTopics.includes(t), { message: `one of ${knownTopics.join(', ')}` })
      .optional()
      .meta({ description: 'Marketing only: the topic whose consent the message needs (without it, consent to the channel as a whole)' }),
  })
  .strict()
  .refine((b) => (b.channel === undefined) !== (b.channels === undefined), { message: 'give either channel or channels', path: ['channel'] })
  .refine((b) => b.category === 'marketing' || b.topic === undefined, { message: 'a transactional message has no topic', path: ['topic'] });

export type MessageBody = z.infer<typeof messageBody>;

export const messageAnswer = z.object({
  idempotencyKey: z.string(),
  /** The ledger rows written, one per channel tried, in order. */
  ids: z.array(z.number().int()),
  messages: z.array(
    z.object({
      id: z.number().int(),
      channel,
      status: z.string().meta({ description: 'pending: on its way to the provider; skipped: see skipReason' }),
      skipReason: z.string().nullable(),
    }),
  ),
});
