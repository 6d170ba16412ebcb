/** Reads of a customer's consent: the state now, and every change asked for (rules: contactability/consents.ts). */
import { and, desc, eq } from 'drizzle-orm';
import type { Channel } from '../../workflows/contract';
import type { Db } from '../client';
import { consentChanges, consents } from '../schema';

/** The channel-wide (`*`) consent per channel: what a profile sync and PUT /consents set. */
export async function consentMap(db: Db, customerId: string): Promise<Partial<Record<Channel, boolean>>> {
  const rows = await db
    .select({ channel: consents.channel, granted: consents.granted })
    .from(consents)
    .where(and(eq(consents.customerId, customerId), eq(consents.topic, '*')));
  return Object.fromEntries(rows.map((c) => [c.channel, c.granted]));
}

/** Every stored consent row: channel → topic (`*` = every topic) → granted. */
export async function consentsByTopic(db: Db, customerId: string): Promise<Partial<Record<Channel, Record<string, boolean>>>> {
  const rows = await db
    .select({ channel: consents.channel, topic: consents.topic, granted: consents.granted })
    .from(consents)
    .where(eq(consents.customerId, customerId))
    .orderBy(consents.channel, consents.topic);
  const byChannel: Partial<Record<Channel, Record<string, boolean>>> = {};
  for (const r of rows) (byChannel[r.channel] ??= {})[r.topic] = r.granted;
  return byChannel;
}

/** Newest first; rows of one request share a recording time, so the id breaks the tie. */
export async function consentHistory(db: Db, customerId: string) {
  return db
    .select({
      channel: consentChanges.channel,
      topic: consentChanges.topic,
      granted: consentChanges.granted,
      applied: consentChanges.applied,
      source: consentChanges.source,
      actor: consentChanges.actor,
      consentedAt: consentChanges.consentedAt,
      recordedAt: consentChanges.recordedAt,
      note: consentChanges.note,
    })
    .from(consentChanges)
    .where(eq(consentChanges.customerId, customerId))
    .orderBy(desc(consentChanges.recordedAt), desc(consentChanges.id));
}
