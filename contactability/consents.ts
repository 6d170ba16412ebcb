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
 */
import { and, desc, eq } from 'drizzle-orm';
import type { Db, Tx } from '../db/client';
import { consentChanges, consents, customers, suppressions } from '../db/schema';
import type { Channel } from '../workflows/contract';
import { personalAddress } from './address';
import { liftedByConsent, suppress, suppressionOf, type Suppression } from './suppressions';

type Customer = typeof customers.$inferSelect;
export type ConsentChanges = Partial<Record<Channel, boolean>>;

export interface ConsentContext {
  /** The caller's word for where the consent came from: checkout-form, crm-sync… */
  source: string;
  /** Who recorded it: `key:<id>`, `unsubscribe-link`. */
  actor: string;
  /** When the customer gave or withdrew consent. */
  consentedAt: Date;
  mode: 'profile-sync' | 're-subscribe';
}

export interface ConsentOutcome {
  channel: Channel;
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
const WITHDRAWN_BY_CUSTOMER = new Set(['unsubscribe', 'complaint']);

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
  const decisions: Array<Verdict & { channel: Channel; granted: boolean }> = [];
  for (const [channel, granted] of Object.entries(changes) as Array<[Channel, boolean]>) {
    const [current] = await tx
      .select()
      .from(consents)
      .where(and(eq(consents.customerId, customer.id), eq(consents.channel, channel)));
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
        : await judgeResubscribe(tx, customer.id, channel, current, address, suppression, ctx.consentedAt);
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
        .values({ customerId: customer.id, channel: d.channel, granted: d.granted, source: ctx.source })
        .onConflictDoUpdate({ target: [consents.customerId, consents.channel, consents.topic], set: { granted: d.granted, source: ctx.source, updatedAt: new Date() } });
      if (d.lift) await tx.delete(suppressions).where(and(eq(suppressions.channel, d.channel), eq(suppressions.address, d.lift)));
    }
    await tx.insert(consentChanges).values({
      customerId: customer.id,
      channel: d.channel,
      granted: d.granted,
      source: ctx.source,
      actor: ctx.actor,
      consentedAt: ctx.consentedAt,
      applied,
      note,
    });
    outcomes.push({ channel: d.channel, granted: d.granted, applied, note });
  }
  return { outcomes, conflict: conflict?.note ?? null };
}

type Consent = typeof consents.$inferSelect | undefined;

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
      .where(and(eq(consentChanges.customerId, customerId), eq(consentChanges.channel, channel), eq(consentChanges.granted, false), eq(consentChanges.applied, true)))
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
      note: `refused: ${channel} consentedAt ${consentedAt.toISOString()} is not after the customer's ${last.what} at ${last.at.toISOString()}`,
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

/**
 * The unsubscribe link: consent off and the address suppressed, so a profile sync that still says
 * yes cannot quietly subscribe it again. Order and service messages still go (see eligibility.ts).
 */
export async function unsubscribe(db: Db, { customerId, channel }: { customerId: string; channel: Channel }): Promise<void> {
  await db.transaction(async (tx) => {
    const [customer] = await tx.select().from(customers).where(eq(customers.id, customerId));
    if (!customer) return; // deleted since the message went out: nothing left to send to
    const now = new Date();
    await tx
      .insert(consents)
      .values({ customerId, channel, granted: false, source: 'unsubscribe', updatedAt: now })
      .onConflictDoUpdate({ target: [consents.customerId, consents.channel, consents.topic], set: { granted: false, source: 'unsubscribe', updatedAt: now } });
    const address = personalAddress(channel, customer);
    if (address) await suppress(tx, channel, address, 'unsubscribe');
    await tx.insert(consentChanges).values({
      customerId,
      channel,
      granted: false,
      source: 'unsubscribe',
      actor: 'unsubscribe-link',
      consentedAt: now,
      applied: true,
    });
  });
}
