/**
 * What the preference center shows and what a submitted form changes. The rules of what a change
 * means (sticky withdrawals, `*` against a topic, suppressions) are contactability's; this only maps
 * the page's boxes onto them. Every change is a consent change with source and actor
 * `preference-center`.
 */
import { eq } from 'drizzle-orm';
import { applyConsentChanges, consentFor, unsubscribe } from '../contactability/consents';
import type { Db } from '../db/client';
import { consents, customers } from '../db/schema';
import type { Channel } from '../workflows/contract';
import { knownTopics } from '../workflows/registry';

const CHANNEL_ORDER: readonly Channel[] = ['email', 'sms', 'push', 'webhook'];
export const SOURCE = 'preference-center';

export type Customer = typeof customers.$inferSelect;

/** One box: a channel and a topic, and whether the customer gets it now. */
export interface Choice {
  channel: Channel;
  topic: string;
  granted: boolean;
}

export const choiceKey = (c: { channel: string; topic: string }) => `${c.channel}.${c.topic}`;

/**
 * The channels the customer ever had a consent row for (plus the link's own), by every known topic.
 * A channel they never consented on is not offered: consent is asked where the address is collected.
 */
export async function choicesOf(db: Db, customerId: string, linkChannel: Channel): Promise<{ customer: Customer; choices: Choice[] } | null> {
  const [customer] = await db.select().from(customers).where(eq(customers.id, customerId));
  if (!customer) return null;
  const rows = await db.select({ channel: consents.channel }).from(consents).where(eq(consents.customerId, customerId));
  const channels = CHANNEL_ORDER.filter((c) => c === linkChannel || rows.some((r) => r.channel === c));
  const choices: Choice[] = [];
  for (const topic of knownTopics) {
    for (const channel of channels) choices.push({ channel, topic, granted: (await consentFor(db, customerId, channel, topic))?.granted ?? false });
  }
  return { customer, choices };
}

/**
 * Applies a submitted form: `everything` withdraws every channel shown (as the one-click link does
 * for a channel), else each shown box that differs from what holds now becomes a consent change.
 * Only boxes the page showed are touched, so a box added since the page was served is not withdrawn.
 */
export async function saveChoices(db: Db, customerId: string, linkChannel: Channel, form: { shown: string[]; on: string[]; everything: boolean }): Promise<void> {
  const now = await choicesOf(db, customerId, linkChannel);
  if (!now) return; // deleted since the page was served
  const shown = now.choices.filter((c) => form.shown.includes(choiceKey(c)));
  await db.transaction(async (tx) => {
    if (form.everything) {
      for (const channel of new Set(shown.map((c) => c.channel))) {
        await unsubscribe(tx, { customerId, channel, topic: null, source: SOURCE, actor: SOURCE });
      }
      return;
    }
    const consentedAt = new Date();
    for (const choice of shown) {
      const wanted = form.on.includes(choiceKey(choice));
      if (wanted === choice.granted) continue;
      await applyConsentChanges(tx, now.customer, { [choice.channel]: wanted }, { source: SOURCE, actor: SOURCE, consentedAt, mode: 're-subscribe', topic: choice.topic });
    }
  });
}
