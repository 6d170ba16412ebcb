/**
 * The customer upsert: a profile sync from a product system (PUT /v1/customers/:id, Segment's
 * identify). Profile fields are written as sent; consents go through the profile-sync rules of
 * contactability/consents.ts, so a sync can withdraw but never undo an unsubscribe, complaint or
 * bounce (a refusal is returned, the upsert still succeeds).
 */
import { getTableColumns, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { SYNC_SOURCES } from '../contactability/consent-rule';
import { applyConsentChanges, type ConsentOutcome } from '../contactability/consents';
import type { Tx } from '../db/client';
import { customers, pushTokens } from '../db/schema';
import type { customerBody } from '../schemas/customers';

export type CustomerInput = z.infer<typeof customerBody>;

export interface UpsertOptions {
  actor: string;
  /**
   * `replace` (PUT): the attributes sent are the customer's attributes. `merge` (identify): they are
   * laid over the stored ones key by key, as Segment keeps traits a later identify leaves out.
   */
  attributes?: 'replace' | 'merge';
}

export async function upsertCustomer(tx: Tx, id: string, body: CustomerInput, opts: UpsertOptions): Promise<{ created: boolean; refused: ConsentOutcome[] }> {
  const { consents: consentInput, pushTokens: tokens, ...profile } = body;
  const update =
    opts.attributes === 'merge' && profile.attributes
      ? { ...profile, attributes: sql`${customers.attributes} || ${JSON.stringify(profile.attributes)}::jsonb` }
      : profile;
  const [row] = await tx
    .insert(customers)
    .values({ id, ...profile })
    .onConflictDoUpdate({ target: customers.id, set: { ...update, updatedAt: new Date() } })
    .returning({ ...getTableColumns(customers), inserted: sql<boolean>`(xmax = 0)` });
  const { inserted, ...customer } = row!;
  const { outcomes } = await applyConsentChanges(tx, customer, consentInput ?? {}, {
    source: SYNC_SOURCES.profile,
    actor: opts.actor,
    consentedAt: new Date(),
    mode: 'profile-sync',
  });
  for (const token of tokens ?? []) {
    await tx.insert(pushTokens).values({ token, customerId: id }).onConflictDoUpdate({ target: pushTokens.token, set: { customerId: id } });
  }
  return { created: inserted, refused: outcomes.filter((o) => !o.applied) };
}
