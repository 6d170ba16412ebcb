/**
 * What the preference center shows and what a submitted form changes. The rules of what a change
 * means (sticky withdrawals, `*` against a topic, suppressions, what a link may grant) are
 * contactability's; this only maps the page's boxes onto them. The page covers the link's own
 * channel: the link came in a message on that channel, and proves nothing about the others. Every
 * change is a consent change with source and actor `preference-center`.
 */
import { eq } from 'drizzle-orm';
import { consentFor } from '../contactability/consent-rule';
import { applyConsentChanges } from '../contactability/consents';
import { unsubscribe } from '../contactability/unsubscribe';
import type { Db } from '../db/client';
import { customers } from '../db/schema';
import { linkGrantRefusal, type LinkGrantRefusal } from '../contactability/link-grants';
import type { UnsubscribeSubject } from '../lib/unsubscribe-token';
import type { Channel } from '../workflows/contract';
import { knownTopics } from '../workflows/registry';

export const SOURCE = 'preference-center';

export type Customer = typeof customers.$inferSelect;

/** One box: a channel and a topic, and whether the customer gets it now. */
export interface Choice {
  channel: Channel;
  topic: string;
  granted: boolean;
}

export const choiceKey = (c: { channel: string; topic: string }) => `${c.channel}.${c.topic}`;

/** The link's channel by every known topic, and why the link may not grant there (null: it may). */
export async function choicesOf(
  db: Db,
  link: UnsubscribeSubject,
  now = new Date(),
): Promise<{ customer: Customer; choices: Choice[]; grantRefusal: LinkGrantRefusal['reason'] | null } | null> {
  const [customer] = await db.select().from(customers).where(eq(customers.id, link.customerId));
  if (!customer) return null;
  const choices: Choice[] = [];
  for (const topic of knownTopics) choices.push({ channel: link.channel, topic, granted: (await consentFor(db, customer.id, link.channel, topic))?.granted ?? false });
  const refusal = await linkGrantRefusal(db, customer, link.channel, link.issuedAt, now);
  return { customer, choices, grantRefusal: refusal?.reason ?? null };
}

/**
 * Applies a submitted form: `everything` withdraws the channel (as the one-click link does), else
 * each shown box that differs from what holds now becomes a consent change, a grant judged as the
 * link allows. Only boxes the page showed are touched, so a box added since the page was served is
 * not withdrawn.
 */
export async function saveChoices(db: Db, link: UnsubscribeSubject, form: { shown: string[]; on: string[]; everything: boolean }): Promise<void> {
  const now = await choicesOf(db, link);
  if (!now) return; // deleted since the page was served
  const shown = now.choices.filter((c) => form.shown.includes(choiceKey(c)));
  await db.transaction(async (tx) => {
    if (form.everything) {
      if (shown.length) await unsubscribe(tx, { customerId: link.customerId, channel: link.channel, topic: null, source: SOURCE, actor: SOURCE });
      return;
    }
    const consentedAt = new Date();
    for (const choice of shown) {
      const wanted = form.on.includes(choiceKey(choice));
      if (wanted === choice.granted) continue;
      await applyConsentChanges(tx, now.customer, { [choice.channel]: wanted }, { source: SOURCE, actor: SOURCE, consentedAt, mode: 'link', linkIssuedAt: link.issuedAt, topic: choice.topic });
    }
  });
}
