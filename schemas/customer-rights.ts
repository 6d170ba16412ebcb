/** A customer's rights: the export of their data, and their erasure. */
import { z } from 'zod';
import { text } from './common';

export const eraseBody = z
  .object({
    reason: text().trim().min(1).max(500).meta({ description: 'Why: the request it answers (kept with the erasure; write no personal data in it)' }),
    objection: z
      .boolean()
      .default(false)
      .meta({ description: "The customer objected to processing: their addresses' hashes block marketing to them until a consent given after the erasure" }),
  })
  .strict();

export const erasureIdSchema = text().min(1).max(100);

export const erasureAnswer = z.object({
  id: z.string(),
  status: z.enum(['pending', 'done', 'failed']),
  reason: z.string(),
  objection: z.boolean(),
  requestedBy: z.string(),
  requestedAt: z.string(),
  finishedAt: z.string().nullable(),
  removed: z.record(z.string(), z.number()).meta({ description: 'Rows removed or anonymised per table, and Temporal executions deleted' }),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
});

const rows = z.array(z.record(z.string(), z.unknown()));

export const exportAnswer = z.object({
  exportedAt: z.string(),
  customer: z.record(z.string(), z.unknown()),
  telegramChat: z.record(z.string(), z.unknown()).nullable(),
  pushTokens: rows,
  consents: rows,
  consentHistory: rows,
  suppressions: rows,
  events: rows,
  orders: rows,
  messages: rows.meta({ description: 'The ledger with bodies where stored, each with its provider reports' }),
  runs: rows,
  merges: rows,
});
