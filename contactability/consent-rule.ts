/**
 * Which consent row speaks for a channel and topic: the topic's own row when there is one, else the
 * channel's `*` (the rules of consent are in consents.ts). One rule, in two forms: a read for one
 * customer and a SQL condition for sends and audiences.
 */
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db, Tx } from '../db/client';
import { consents, customers } from '../db/schema';
import type { Channel } from '../workflows/contract';

/**
 * What a sync's consent changes name as their source: a profile upsert (PUT /v1/customers, a Segment
 * identify) or an import restates what another system holds; it is not the customer's word today.
 */
export const SYNC_SOURCES = { profile: 'profile-sync', import: 'import' } as const;

/** The consent row that speaks for every topic of a channel. */
export const EVERY_TOPIC = '*';
export type ConsentRow = typeof consents.$inferSelect;

/** The rows that decide a channel and topic: the topic's own (if any) overrides the channel's `*`. */
export async function consentFor(tx: Tx | Db, customerId: string, channel: Channel, topic: string = EVERY_TOPIC): Promise<ConsentRow | undefined> {
  const rows = await tx
    .select()
    .from(consents)
    .where(and(eq(consents.customerId, customerId), eq(consents.channel, channel), inArray(consents.topic, [...new Set([topic, EVERY_TOPIC])])));
  return rows.find((r) => r.topic === topic) ?? rows.find((r) => r.topic === EVERY_TOPIC);
}

/**
 * `consentFor(...).granted` as a SQL condition on the row of `customers` in the outer query, for
 * audiences (segments/compile.ts): the same rule, the topic's own row else the channel's `*`.
 * Written as one EXISTS so the planner can make it a semi-join over a million customers.
 */
export function consentGrantedSql(channel: Channel, topic: string = EVERY_TOPIC): SQL {
  const granted = sql`${consents.customerId} = ${customers.id} and ${consents.channel} = ${channel} and ${consents.granted}`;
  if (topic === EVERY_TOPIC) return sql`exists (select 1 from ${consents} where ${granted} and ${consents.topic} = ${EVERY_TOPIC})`;
  const own = alias(consents, 'topic_consent');
  // In a raw fragment an alias renders as its name only: the FROM spells out the table it stands for.
  const noTopicRow = sql`not exists (select 1 from ${consents} as ${sql.identifier('topic_consent')} where ${own.customerId} = ${consents.customerId} and ${own.channel} = ${consents.channel} and ${own.topic} = ${topic})`;
  return sql`exists (select 1 from ${consents} where ${granted} and (${consents.topic} = ${topic} or (${consents.topic} = ${EVERY_TOPIC} and ${noTopicRow})))`;
}
