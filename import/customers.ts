/**
 * POST /v1/import/customers: a base loaded in bulk, each row what a PUT /v1/customers/:id would do.
 * The profile is one multi-row upsert per batch that only touches rows whose fields differ (a
 * re-import changes nothing, not even updated_at); consents go through the profile-sync rules of
 * contactability/consents.ts, so an import can withdraw but never undo an unsubscribe.
 */
import { sql, type SQL } from 'drizzle-orm';
import { anyOf, textArray } from '../db/arrays';
import type { Db } from '../db/client';
import { customers, pushTokens } from '../db/schema';
import { SYNC_SOURCES } from '../contactability/consent-rule';
import { syncConsents } from '../contactability/consents';
import { importedCustomerRow, type ImportedCustomer } from '../schemas/import';
import { runImport, type BatchResult, type ImportReport } from './batches';
import type { CellReader, RawRow } from './parse';

type ProfileKey = Exclude<keyof ImportedCustomer, 'id' | 'consents' | 'pushTokens'>;

const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?$/;

/**
 * CSV cells of a customer: `consents.<channel>` true/false, `attributes.<name>` a number or boolean
 * when it reads as one (`42`, `-1.5`, `true`; `007` stays text), `pushTokens` space-separated.
 */
export const customerCell: CellReader = ([top], cell) => {
  if (cell === '') return undefined;
  if (top === 'consents') return cell === 'true' ? true : cell === 'false' ? false : cell;
  if (top === 'attributes') return cell === 'true' ? true : cell === 'false' ? false : NUMBER.test(cell) ? Number(cell) : cell;
  if (top === 'pushTokens') return cell.split(/\s+/).filter(Boolean);
  return cell;
};

export async function importCustomers(db: Db, rows: AsyncIterable<RawRow>, ctx: { actor: string }): Promise<ImportReport> {
  return runImport(rows, { schema: importedCustomerRow, write: (batch) => writeCustomers(db, batch, ctx) });
}

async function writeCustomers(db: Db, batch: Array<{ line: number; value: ImportedCustomer }>, ctx: { actor: string }): Promise<BatchResult> {
  return db.transaction(async (tx) => {
    let created = 0;
    let updated = 0;
    // Rows that give the same fields share one statement: a field a row leaves out must stay as stored.
    const byShape = new Map<string, ImportedCustomer[]>();
    for (const { value } of batch) {
      const shape = profileKeys(value).sort().join(',');
      const group = byShape.get(shape);
      if (group) group.push(value);
      else byShape.set(shape, [value]);
    }
    for (const [shape, group] of byShape) {
      const keys = (shape ? shape.split(',') : []) as ProfileKey[];
      for (const r of await tx.execute<{ inserted: boolean }>(upsertProfiles(keys, group))) r.inserted ? created++ : updated++;
    }

    const tokens = new Map<string, string>();
    for (const { value } of batch) for (const token of value.pushTokens ?? []) tokens.set(token, value.id);
    if (tokens.size) {
      await tx
        .insert(pushTokens)
        // In token order: batches written side by side then lock shared tokens in one order, never a deadlock.
        .values([...tokens].sort(([a], [b]) => (a < b ? -1 : 1)).map(([token, customerId]) => ({ token, customerId })))
        .onConflictDoUpdate({ target: pushTokens.token, set: { customerId: sql`excluded.customer_id` }, setWhere: sql`${pushTokens.customerId} <> excluded.customer_id` });
    }

    const withConsents = batch.filter(({ value }) => value.consents && Object.keys(value.consents).length);
    const notes: Array<Record<string, unknown>> = [];
    if (withConsents.length) {
      // The rules read the stored addresses (a suppressed address refuses a grant): the rows as now written.
      const stored = await tx.select().from(customers).where(anyOf(customers.id, withConsents.map(({ value }) => value.id)));
      const byId = new Map(stored.map((c) => [c.id, c]));
      const outcomes = await syncConsents(
        tx,
        withConsents.map(({ value }) => ({ customer: byId.get(value.id)!, changes: value.consents! })),
        { source: SYNC_SOURCES.import, actor: ctx.actor, consentedAt: new Date() },
      );
      for (const { line, value } of withConsents) {
        for (const o of outcomes.get(value.id) ?? []) if (!o.applied) notes.push({ line, id: value.id, channel: o.channel, note: o.note });
      }
    }
    return { rejected: [], counts: { created, updated }, notes };
  });
}

function profileKeys(row: ImportedCustomer): ProfileKey[] {
  return (Object.keys(row) as Array<keyof ImportedCustomer>).filter((k): k is ProfileKey => k !== 'id' && k !== 'consents' && k !== 'pushTokens');
}

/** How each field travels: as a text array, cast per column (a date, a JSON document) on the way in. */
const CAST: Record<ProfileKey | 'id', string> = {
  id: 'text',
  email: 'text',
  phone: 'text',
  name: 'text',
  city: 'text',
  locale: 'text',
  timeZone: 'text',
  birthday: 'date',
  attributes: 'jsonb',
};

/**
 * One statement for the whole group: each column a single array parameter, unnested into rows
 * (db/arrays.ts says why). Only rows
 * whose given fields differ are updated, so a re-import leaves updated_at alone.
 */
function upsertProfiles(keys: ProfileKey[], group: ImportedCustomer[]): SQL {
  const columns = ['id', ...keys] as const;
  const name = (k: (typeof columns)[number]) => sql.identifier(customers[k].name);
  const arrays = columns.map((k) => textArray(group.map((r) => (k === 'attributes' ? JSON.stringify(r.attributes) : (r[k] ?? null)))));
  const list = sql.join(columns.map(name), sql`, `);
  const insert = sql`insert into ${customers} (${list})
    select ${sql.join(columns.map((k) => sql`r.${name(k)}::${sql.raw(CAST[k])}`), sql`, `)}
    from unnest(${sql.join(arrays, sql`, `)}) as r(${list})`;
  if (!keys.length) return sql`${insert} on conflict (id) do nothing returning true as inserted`;
  const mine = sql.join(keys.map((k) => sql`${customers}.${name(k)}`), sql`, `);
  const theirs = sql.join(keys.map((k) => sql`excluded.${name(k)}`), sql`, `);
  return sql`${insert}
    on conflict (id) do update set (${sql.join(keys.map(name), sql`, `)}, updated_at) = (${theirs}, now())
    where (${mine}) is distinct from (${theirs})
    returning (xmax = 0) as inserted`;
}
