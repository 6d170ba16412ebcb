/**
 * Consent is the customer's word, and the newest word wins. Every change asked for is kept as a
 * `consent_changes` row (who, when, from where, applied or refused and why), because 38-FZ and GDPR
 * ask us to show consent, and CAN-SPAM asks an opt-out to stick.
 *
 * Two ways in. A profile sync (the customer upsert a CRM sends every night) carries a copy of the
 * consent that may be older than the customer's unsubscribe: it may withdraw, and it may grant a
 * channel nobody withdrew, but it never undoes an unsubscribe or a complaint. A re-subscription
 * (`PUT /v1/customers/:id/consents`) is the customer asking again: it says when they consented, and
 * undoes an unsubscribe or complaint only when that moment is newer than the withdrawal.
 *
 * Consent is per channel and topic. The `*` row is the channel's word for every topic (all consent
 * meant before topics); a topic's own row overrides it for that topic, either way. Withdrawing `*`
 * withdraws every topic of the channel too, so "unsubscribe from everything" beats an earlier "yes
 * to promotions". The sticky rules apply per topic: a withdrawal of the topic or of `*` stops a
 * profile sync from granting it, and a re-subscription must be newer than either.
 */
import { and, desc, eq, inArray, ne, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db, Tx } from '../db/client';
import { consentChanges, consents, customers, suppressions } from '../db/schema';
import type { Channel } from '../workflows/contract';
import { personalAddress } from './address';
import { liftedByConsent, suppress, suppressionOf, type Suppression } from './suppressions';

type Customer = typeof customers.$inferSelect;
export type ConsentChanges = Partial<Record<Channel, boolean>>;

/** The consent row that speaks for every topic of a channel. */
export const EVERY_TOPIC = '*';

export interface ConsentContext {
  /** The caller's word for where the consent came from: checkout-form, crm-sync… */
  source: string;
  /** Who recorded it: `key:<id>`, `unsubscribe-link`. */
  actor: string;
  /** When the customer gave or withdrew consent. */
  consentedAt: Date;
  mode: 'profile-sync' | 're-subscribe';
  /** The topic the changes are about; `*` (the default) is every topic of the channel. */
  topic?: string;
}

export interface ConsentOutcome {
  channel: Channel;
  topic: string;
  granted: boolean;
  applied: boolean;
  note: string | null;
}

export interface ConsentResult {
  outcomes: ConsentOutcome[];
  /** Re-subscribe only: a grant older than the withdrawal it would undo. Then nothing was applied, only recorded. */
  conflict: string | null;
}

/** Consent sources that mean the customer said stop themselves: a profile sync cannot say otherwise. */
const WITHDRAWN_BY_CUSTOMER = new Set(['unsubscribe', 'complaint', 'preference-center']);

type ConsentRow = typeof consents.$inferSelect;

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

interface Verdict {
  applied: boolean;
  note: string | null;
  /** The address whose suppression a granted consent takes off the list. */
  lift: string | null;
  /** Re-subscribe only: the grant is older than the withdrawal it would undo. */
  stale: boolean;
}

const ALLOWED: Verdict = { applied: true, note: null, lift: null, stale: false };

export async function applyConsentChanges(tx: Tx, customer: Customer, changes: ConsentChanges, ctx: ConsentContext): Promise<ConsentResult> {
  const topic = ctx.topic ?? EVERY_TOPIC;
  const decisions: Array<Verdict & { channel: Channel; granted: boolean }> = [];
  for (const [channel, granted] of Object.entries(changes) as Array<[Channel, boolean]>) {
    // What holds for this topic now: its own row, else the channel's `*` (a withdrawn `*` binds a topic grant too).
    const current = await consentFor(tx, customer.id, channel, topic);
    // A nightly sync repeating what we already hold is not a change: recording it would bury the real ones.
    if (ctx.mode === 'profile-sync' && current?.granted === granted) continue;
    if (!granted) {
      decisions.push({ channel, granted, ...ALLOWED }); // stopping is always allowed
      continue;
    }
    const address = personalAddress(channel, customer);
    const suppression = address ? await suppressionOf(tx, channel, address) : undefined;
    const verdict =
      ctx.mode === 'profile-sync'
        ? judgeSync(current, suppression)
        : await judgeResubscribe(tx, customer.id, channel, topic, current, address, suppression, ctx.consentedAt);
    decisions.push({ channel, granted, ...verdict });
  }

  // A request is one decision: when one channel's grant is stale, none of it is applied, all of it is recorded.
  const conflict = decisions.find((d) => d.stale);
  const outcomes: ConsentOutcome[] = [];
  for (const d of decisions) {
    const applied = !conflict && d.applied;
    const note = conflict && d !== conflict ? `not applied: the ${conflict.channel} grant in the same request was refused` : d.note;
    if (applied) {
      await tx
        .insert(consents)
        .values({ customerId: customer.id, channel: d.channel, topic, granted: d.granted, source: ctx.source })
        .onConflictDoUpdate({ target: [consents.customerId, consents.channel, consents.topic], set: { granted: d.granted, source: ctx.source, updatedAt: new Date() } });
      if (topic === EVERY_TOPIC && !d.granted) {
        // Everything off means every topic off: an earlier "yes" to one topic would otherwise override it.
        await tx
          .update(consents)
          .set({ granted: false, source: ctx.source, updatedAt: new Date() })
          .where(and(eq(consents.customerId, customer.id), eq(consents.channel, d.channel), ne(consents.topic, EVERY_TOPIC), eq(consents.granted, true)));
      }
      if (d.lift) await tx.delete(suppressions).where(and(eq(suppressions.channel, d.channel), eq(suppressions.address, d.lift)));
    }
    await tx.insert(consentChanges).values({
      customerId: customer.id,
      channel: d.channel,
      topic,
      granted: d.granted,
      source: ctx.source,
      actor: ctx.actor,
      consentedAt: ctx.consentedAt,
      applied,
      note,
    });
    outcomes.push({ channel: d.channel, topic, granted: d.granted, applied, note });
  }
  return { outcomes, conflict: conflict?.note ?? null };
}

type Consent = ConsentRow | undefined;

function judgeSync(current: Consent, suppression: Suppression | undefined): Verdict {
  if (current && !current.granted && WITHDRAWN_BY_CUSTOMER.has(current.source)) {
    return {
      ...ALLOWED,
      applied: false,
      note: `refused: the customer withdrew by ${current.source} on ${current.updatedAt.toISOString()}; a profile sync cannot undo that, only PUT /consents with a newer consentedAt`,
    };
  }
  if (suppression) {
    return {
      ...ALLOWED,
      applied: false,
      note: `refused: the address is suppressed (${describe(suppression)}); a profile sync never lifts a suppression`,
    };
  }
  return ALLOWED;
}

async function judgeResubscribe(
  tx: Tx,
  customerId: string,
  channel: Channel,
  topic: string,
  current: Consent,
  address: string | null,
  suppression: Suppression | undefined,
  consentedAt: Date,
): Promise<Verdict> {
  const withdrawals: Array<{ at: Date; what: string }> = [];
  if (current && !current.granted) {
    const [latest] = await tx
      .select({ at: consentChanges.consentedAt, source: consentChanges.source })
      .from(consentChanges)
      .where(
        and(
          eq(consentChanges.customerId, customerId),
          eq(consentChanges.channel, channel),
          // The withdrawal that holds now is of this topic's row or of the channel's `*` (see consentFor).
          eq(consentChanges.topic, current.topic),
          eq(consentChanges.granted, false),
          eq(consentChanges.applied, true),
        ),
      )
      .orderBy(desc(consentChanges.consentedAt))
      .limit(1);
    // Withdrawals recorded before the audit table existed have only the consent row's time.
    withdrawals.push({ at: latest?.at ?? current.updatedAt, what: `withdrawal (${latest?.source ?? current.source})` });
  }
  if (suppression && liftedByConsent(suppression.reason)) withdrawals.push({ at: suppression.createdAt, what: REASON[suppression.reason] });
  const last = withdrawals.sort((a, b) => b.at.getTime() - a.at.getTime())[0];
  if (last && consentedAt.getTime() <= last.at.getTime()) {
    return {
      ...ALLOWED,
      applied: false,
      stale: true,
      note: `refused: ${channel}${topic === EVERY_TOPIC ? '' : ` (${topic})`} consentedAt ${consentedAt.toISOString()} is not after the customer's ${last.what} at ${last.at.toISOString()}`,
    };
  }
  if (suppression && !liftedByConsent(suppression.reason)) {
    return {
      ...ALLOWED,
      note: `consent recorded, but the address stays suppressed (${describe(suppression)}): a dead address is never lifted by consent; a new address is not suppressed`,
    };
  }
  return { ...ALLOWED, lift: suppression && address ? address : null };
}

const REASON = { unsubscribe: 'unsubscribe', complaint: 'spam complaint', hard_bounce: 'hard bounce', invalid: 'invalid address' } as const;

const describe = (s: Suppression) => `${REASON[s.reason]} on ${s.createdAt.toISOString()}`;

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
export async function unsubscribe(db: Db | Tx, w: Withdrawal): Promise<void> {
  await db.transaction(async (tx) => {
    const [customer] = await tx.select().from(customers).where(eq(customers.id, w.customerId));
    if (!customer) return; // deleted since the message went out: nothing left to send to
    const topic = w.topic ?? EVERY_TOPIC;
    const source = w.source ?? 'unsubscribe';
    await applyConsentChanges(tx, customer, { [w.channel]: false }, { source, actor: w.actor ?? 'unsubscribe-link', consentedAt: new Date(), mode: 're-subscribe', topic });
    const address = personalAddress(w.channel, customer);
    if (topic === EVERY_TOPIC && address) await suppress(tx, w.channel, address, 'unsubscribe');
  });
}
