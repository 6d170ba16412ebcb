/** The customer says stop, from a link in a message or the preference center. */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { customers } from '../db/schema';
import { enqueue } from '../events-out/enqueue';
import { unsubscribedEvent } from '../events-out/events';
import type { Channel } from '../workflows/contract';
import { personalAddress } from './address';
import { EVERY_TOPIC } from './consent-rule';
import { applyConsentChanges } from './consents';
import { suppress } from './suppressions';

export interface Withdrawal {
  customerId: string;
  channel: Channel;
  /** The message's topic; absent, null or `*`: every topic of the channel. */
  topic?: string | null;
  /** Who asked: the link's one-click (`unsubscribe`) or the preference center. */
  source?: 'unsubscribe' | 'preference-center';
  actor?: string;
}

/**
 * The customer says stop, from a link or the preference center. One topic: that topic's consent
 * off, nothing else (the address still gets the other topics). Every topic: consent off and the
 * address suppressed, so a profile sync that still says yes cannot quietly subscribe it again.
 * Order and service messages still go either way (see eligibility.ts).
 */
export async function unsubscribe(db: Db, w: Withdrawal): Promise<void> {
  await db.transaction(async (tx) => {
    const [customer] = await tx.select().from(customers).where(eq(customers.id, w.customerId));
    if (!customer) return; // deleted since the message went out: nothing left to send to
    const topic = w.topic ?? EVERY_TOPIC;
    const source = w.source ?? 'unsubscribe';
    await applyConsentChanges(tx, customer, { [w.channel]: false }, { source, actor: w.actor ?? 'unsubscribe-link', consentedAt: new Date(), mode: 're-subscribe', topic });
    const address = personalAddress(w.channel, customer);
    if (topic === EVERY_TOPIC && address) await suppress(tx, w.channel, address, 'unsubscribe');
    await enqueue(db, unsubscribedEvent({ customerId: w.customerId, channel: w.channel, topic: topic === EVERY_TOPIC ? null : topic, source }, new Date()), tx);
  });
}
