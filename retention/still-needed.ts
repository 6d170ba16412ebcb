/**
 * Which events outlive their month: one never routed (the router still owes it), or one a running
 * run received (a merge moves, and an erasure ends, a customer's runs by the events routed to them:
 * merges/live-runs.ts, customer-rights/temporal-executions.ts). Such rows are moved to the `held`
 * partition before their month is dropped, and deleted once nothing needs them.
 */
import { sql, type SQL } from 'drizzle-orm';
import { events, journeyRuns } from '../db/schema';

export const stillNeeded = (): SQL => sql`(
  (${events.routedAt} is null and ${events.deadLetteredAt} is null)
  or exists (
    select 1 from ${journeyRuns} r
    where r.customer_id = ${events.customerId} and r.status = 'running' and coalesce(${events.routedTo}, '[]'::jsonb) ? r.workflow_id
  )
)`;
