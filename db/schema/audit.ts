/** The audit log: one row per admin action, append-only (a trigger refuses updates and deletes). */
import { bigserial, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const auditOutcomes = ['ok', 'refused', 'failed'] as const;
export type AuditOutcome = (typeof auditOutcomes)[number];

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    /** Who: the API key's id (`api-key:<id>`), or `system` for what Cascade did on its own. */
    actor: text('actor').notNull(),
    /** What: `api-key.create`, `campaign.send`, `customer.erase`… */
    action: text('action').notNull(),
    /**
     * On what: `campaign:<id>`, `journey:<id>`… A customer is named by a hash of their id
     * (`customer:#<hash>`), so that an erasure leaves nothing of them here and the rows never change.
     */
    target: text('target').notNull(),
    outcome: text('outcome').$type<AuditOutcome>().notNull(),
    /** What else the action said (a campaign's name, a pause's reason); never personal data. */
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index('audit_log_at_idx').on(t.at), index('audit_log_action_idx').on(t.action, t.at), index('audit_log_target_idx').on(t.target, t.at)],
);
