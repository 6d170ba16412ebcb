/** GET /v1/audit: the audit log (db/schema/audit.ts). */
import { z } from 'zod';
import { auditOutcomes } from '../db/schema/audit';

export const auditQuery = z
  .object({
    from: z.iso.datetime({ offset: true }).optional().meta({ description: 'Rows at or after this instant' }),
    to: z.iso.datetime({ offset: true }).optional().meta({ description: 'Rows at or before this instant' }),
    action: z
      .string()
      .regex(/^[a-z][a-z-]*(\.[a-z][a-z-]*)*(\.\*)?$/, 'must be an action like campaign.cancel, or campaign.* for every action of a kind')
      .optional(),
    target: z.string().min(1).max(300).optional().meta({ description: 'campaign:<id>, journey:<id>, customer:<id> (matched by its hash)…' }),
    before: z.coerce.number().int().positive().optional().meta({ description: 'Rows older than this id: the `next` of the previous page' }),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export const auditAnswer = z.object({
  entries: z.array(
    z.object({
      id: z.number().int(),
      at: z.iso.datetime(),
      actor: z.string().meta({ description: 'key:<id> of the API key' }),
      action: z.string(),
      target: z.string(),
      outcome: z.enum(auditOutcomes),
      detail: z.record(z.string(), z.unknown()),
    }),
  ),
  next: z.number().int().nullable().meta({ description: 'Pass as `before` for older rows; null on the last page' }),
});
