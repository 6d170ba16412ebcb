/** GET /v1/alerts (alerts/). */
import { z } from 'zod';

export const alertsQuery = z.object({
  since: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const alertsAnswer = z.object({
  alerts: z.array(
    z.object({
      id: z.number(),
      cause: z.string(),
      windowStart: z.iso.datetime(),
      severity: z.enum(['warning', 'critical']),
      summary: z.string(),
      detail: z.record(z.string(), z.unknown()),
      raisedAt: z.iso.datetime(),
      postedAt: z.iso.datetime().nullable(),
      postError: z.string().nullable(),
    }),
  ),
});
