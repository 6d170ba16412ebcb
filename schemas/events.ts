/** POST /v1/events and POST /v1/events/batch: one event, and up to MAX_BATCH of them. */
import { z } from 'zod';
import { customerIdSchema, instant, jsonObject, text } from './common';

/** Stored properties are capped: they are kept for months and their slim form goes to runs. */
export const MAX_PROPERTIES_BYTES = 16 * 1024;
export const MAX_BATCH = 1000;
/** Sized for MAX_BATCH events of a few hundred bytes to a couple of KiB each. */
export const BATCH_BODY_LIMIT = '2mb';

export const eventBody = z
  .object({
    id: text().trim().min(1).max(200).meta({ description: 'Your idempotency key' }),
    customerId: customerIdSchema,
    type: text()
      .trim()
      .max(100)
      .regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/, 'dotted lower-case name like order.placed')
      // Provider reports reach runs from Cascade itself; a caller must not forge them.
      .refine((t) => !t.startsWith('message.'), 'message.* events come from provider reports, not the API'),
    properties: jsonObject({ maxBytes: MAX_PROPERTIES_BYTES, maxDepth: 16 }).default({}),
    occurredAt: instant().optional(),
  })
  .strict();
export type EventInput = z.infer<typeof eventBody>;

const batchOf = <T extends z.ZodType>(item: T) => z.object({ events: z.array(item).min(1).max(MAX_BATCH) }).strict();
/** What a batch holds, as documented. */
export const eventBatchBody = batchOf(eventBody);
/** What the route checks as a whole: items are checked one by one, so a bad item does not sink the others. */
export const eventBatchEnvelope = batchOf(z.unknown());

/** `?wait=routed`: answer once the event is routed (the runs' ids in `workflows`), not once it is stored. */
export const eventQuery = z.object({ wait: z.literal('routed').optional() });

const routing = z.enum(['pending', 'routed']).meta({
  description: 'pending: stored; the router routes it to its runs in your order (the answer did not wait). routed: `workflows` lists its runs',
});

export const eventAnswer = z.object({
  id: z.string(),
  duplicate: z.boolean(),
  workflows: z.array(z.string()).meta({ description: 'The runs started or signalled (empty while routing is pending)' }),
  skipped: z.array(z.object({ journey: z.string(), reason: z.string() })).optional(),
  routing,
});

export const eventBatchAnswer = z.object({
  results: z.array(
    z.object({
      index: z.number().int(),
      id: z.string().optional(),
      status: z.union([z.literal(202), z.literal(200), z.literal(400), z.literal(404), z.literal(409), z.literal(422), z.literal(503)]),
      duplicate: z.boolean().optional(),
      workflows: z.array(z.string()).optional(),
      skipped: z.array(z.object({ journey: z.string(), reason: z.string() })).optional(),
      routing: routing.optional(),
      error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }).optional(),
    }),
  ),
});
