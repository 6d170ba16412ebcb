/** GET /v1/outbox: what the local outbox channel "sent". */
import { z } from 'zod';

export const outboxQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

export const outboxAnswer = z.object({
  messages: z.array(
    z.looseObject({ id: z.number(), customerId: z.string(), channel: z.string(), to: z.string().nullable(), subject: z.string().nullable(), body: z.string().nullable() }),
  ),
});
