/**
 * Consent is the customer's word, and the newest word wins. Every change asked for is kept as a
 * `consent_changes` row (who, when, from where, applied or refused and why), because 38-FZ and GDPR
 * ask us to show consent, and CAN-SPAM asks an opt-out to stick.
 *
 * Two ways in. A profile sync (the customer upsert a CRM sends every night) carries a copy of the
 * consent that may be older than the customer's unsubscribe: it may withdraw, and it may grant a
 * channel nobody withdrew, but it never undoes an unsubscribe or a complaint. A re-subscription
 * (`PUT /v1/customers/:id/consents`) is the customer asking again: it says when they consented, and
 * undoes an unsubscribe or complaint only when that moment is newer than the withdrawal. A signed
 * link (the preference center) is a re-subscription now, but may grant only what link-grants.ts
 * allows: a recent link, and never over a complaint.
 *
 * Consent is per channel and topic. The `*` row is the channel's word for every topic (all consent
 * meant before topics); a topic's own row overrides it for that topic, either way. Withdrawing `*`
 * withdraws every topic of the channel too, so "unsubscribe from everything" beats an earlier "yes
 * to promotions". The sticky rules apply per topic: a withdrawal of the topic or of `*` stops a
 * profile sync from granting it, and a re-subscription must be newer than either.
 */
import { and, desc, eq, inArray, ne, sql, type SQL } from 'drizzle-orm';
import type { Db, Tx } from '../db/client';
import { anyOf, textArray } from '../db/arrays';
import { consentChanges, consents, customers, suppressions } from '../db/schema';
import type { Channel } from '../workflows/contract';
import { personalAddress } from './address';
import { consentFor, EVERY_TOPIC, type ConsentRow } from './consent-rule';
import { linkGrantRefusal } from './link-grants';
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
  /**
   * `link`: a re-subscription through a signed link (the preference center), which may grant only
   * what contactability/link-grants.ts allows.
   */
  mode: 'profile-sync' | 're-subscribe' | 'link';
  /** The topic the changes are about; `*` (the default) is every topic of the channel. */
  topic?: string;
  /** Link mode: when the link was minted; null for a link from before links carried it. */
  linkIssuedAt?: Date | null;
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
  if (ctx.mode === 'profile-sync') {
    const outcomes = await syncConsents(tx, [{ customer, changes }], { ...ctx, topic });
    return { outcomes: outcomes.get(customer.id) ?? [], conflict: null };
  }
  const decisions: Decision[] = [];
  for (const [channel, granted] of Object.entries(changes) as Array<[Channel, boolean]>) {
    // What holds for this topic now: its own row, else the channel's `*` (a withdrawn `*` binds a topic grant too).
    const current = await consentFor(tx, customer.id, channel, topic);
    if (!granted) {
      decisions.push({ customerId: customer.id, channel, granted, ...ALLOWED }); // stopping is always allowed
      continue;
    }
    if (ctx.mode === 'link') {
      const refusal = await linkGrantRefusal(tx, customer, channel, ctx.linkIssuedAt ?? null, ctx.consentedAt);
      if (refusal) {
        decisions.push({ customerId: customer.id, channel, granted, ...ALLOWED, applied: false, note: refusal.note });
        continue;
      }
    }
    const address = personalAddress(channel, customer);
    const suppression = address ? await suppressionOf(tx, channel, address) : undefined;
    const verdict = await judgeResubscribe(tx, customer.id, channel, topic, current, address, suppression, ctx.consentedAt);
    decisions.push({ customerId: customer.id, channel, granted, ...verdict });
  }

  // A request is one decision: when one channel's grant is stale, none of it is applied, all of it is recorded.
  const conflict = decisions.find((d) => d.stale);
  const final = decisions.map((d) => ({
    ...d,
    applied: !conflict && d.applied,
    note: conflict && d !== conflict ? `not applied: the ${conflict.channel} grant in the same request was refused` : d.note,
  }));
  await writeDecisions(tx, final, { ...ctx, topic });
  return { outcomes: final.map(({ channel, granted, applied, note }) => ({ channel, topic, granted, applied, note })), conflict: conflict?.note ?? null };
}

/**
 * A profile sync of many customers at once (the customer upsert, one customer; an import, a
 * thousand): the same rules as one by one, in a handful of queries. A sync repeating what we
 * already hold is not a change and leaves no row. Customers must be distinct. Outcomes by customer id.
 */
export async function syncConsents(
  tx: Tx,
  items: Array<{ customer: Customer; changes: ConsentChanges }>,
  ctx: Omit<ConsentContext, 'mode'>,
): Promise<Map<string, ConsentOutcome[]>> {
  const topic = ctx.topic ?? EVERY_TOPIC;
  const outcomes = new Map<string, ConsentOutcome[]>();
  const wanted = items.filter((i) => Object.keys(i.changes).length > 0);
  if (!wanted.length) return outcomes;
  // What holds now for each customer and channel: the topic's own row, else the channel's `*` (as consentFor).
  const rows = await tx
    .select()
    .from(consents)
    .where(and(anyOf(consents.customerId, wanted.map((i) => i.customer.id)), inArray(consents.topic, [...new Set([topic, EVERY_TOPIC])])));
  const current = new Map<string, ConsentRow>();
  for (const r of rows) {
    const key = `${r.customerId}\u0000${r.channel}`;
    if (r.topic === topic || !current.has(key)) current.set(key, r);
  }
  const pending: Array<{ customer: Customer; channel: Channel; granted: boolean; now: ConsentRow | undefined; address: string | null }> = [];
  for (const { customer, changes } of wanted) {
    for (const [channel, granted] of Object.entries(changes) as Array<[Channel, boolean]>) {
      const now = current.get(`${customer.id}\u0000${channel}`);
      if (now?.granted === granted) continue; // a nightly sync repeating what we hold would bury the real changes
      pending.push({ customer, channel, granted, now, address: granted ? personalAddress(channel, customer) : null });
    }
  }
  const suppressed = await suppressionsOf(tx, pending.filter((p) => p.address).map((p) => ({ channel: p.channel, address: p.address! })));
  const decisions: Decision[] = pending.map((p) => ({
    customerId: p.customer.id,
    channel: p.channel,
    granted: p.granted,
    // Stopping is always allowed; a grant is judged against the customer's own withdrawal and the suppression list.
    ...(p.granted ? judgeSync(p.now, p.address ? suppressed.get(`${p.channel}\u0000${p.address}`) : undefined) : ALLOWED),
  }));
  await writeDecisions(tx, decisions, { ...ctx, topic });
  for (const d of decisions) {
    const list = outcomes.get(d.customerId) ?? [];
    list.push({ channel: d.channel, topic, granted: d.granted, applied: d.applied, note: d.note });
    outcomes.set(d.customerId, list);
  }
  return outcomes;
}

type Decision = Verdict & { customerId: string; channel: Channel; granted: boolean };

/** Suppressions of many addresses, keyed `channel\0address` (one query per channel). */
async function suppressionsOf(tx: Tx, wanted: Array<{ channel: Channel; address: string }>): Promise<Map<string, Suppression>> {
  const found = new Map<string, Suppression>();
  const byChannel = new Map<Channel, string[]>();
  for (const w of wanted) {
    const addresses = byChannel.get(w.channel);
    if (addresses) addresses.push(w.address);
    else byChannel.set(w.channel, [w.address]);
  }
  for (const [channel, addresses] of byChannel) {
    const rows = await tx
      .select({ address: suppressions.address, reason: suppressions.reason, createdAt: suppressions.createdAt })
      .from(suppressions)
      .where(and(eq(suppressions.channel, channel), anyOf(suppressions.address, addresses)));
    for (const { address, ...s } of rows) found.set(`${channel}\u0000${address}`, s);
  }
  return found;
}

/** Applies the decisions allowed and records every one asked for, in a few statements whatever their number. */
async function writeDecisions(tx: Tx, decisions: Decision[], ctx: Omit<ConsentContext, 'mode'> & { topic: string }): Promise<void> {
  if (!decisions.length) return;
  const { topic } = ctx;
  const applied = decisions.filter((d) => d.applied);
  if (applied.length) {
    await tx.execute(sql`
      insert into ${consents} (customer_id, channel, topic, granted, source)
      select r.customer_id, r.channel, ${topic}, r.granted::boolean, ${ctx.source}
      from unnest(${textArray(applied.map((d) => d.customerId))}, ${textArray(applied.map((d) => d.channel))}, ${textArray(applied.map((d) => String(d.granted)))})
        as r(customer_id, channel, granted)
      on conflict (customer_id, channel, topic) do update set granted = excluded.granted, source = excluded.source, updated_at = now()`);
  }
  if (topic === EVERY_TOPIC) {
    // Everything off means every topic off: an earlier "yes" to one topic would otherwise override it.
    for (const channel of new Set(applied.filter((d) => !d.granted).map((d) => d.channel))) {
      const ids = applied.filter((d) => !d.granted && d.channel === channel).map((d) => d.customerId);
      await tx
        .update(consents)
        .set({ granted: false, source: ctx.source, updatedAt: new Date() })
        .where(and(anyOf(consents.customerId, ids), eq(consents.channel, channel), ne(consents.topic, EVERY_TOPIC), eq(consents.granted, true)));
    }
  }
  for (const d of applied) {
    if (d.lift) await tx.delete(suppressions).where(and(eq(suppressions.channel, d.channel), eq(suppressions.address, d.lift)));
  }
  await tx.execute(sql`
    insert into ${consentChanges} (customer_id, channel, topic, granted, source, actor, consented_at, applied, note)
    select r.customer_id, r.channel, ${topic}, r.granted::boolean, ${ctx.source}, ${ctx.actor}, ${ctx.consentedAt.toISOString()}::timestamptz, r.applied::boolean, r.note
    from unnest(
      ${textArray(decisions.map((d) => d.customerId))}, ${textArray(decisions.map((d) => d.channel))}, ${textArray(decisions.map((d) => String(d.granted)))},
      ${textArray(decisions.map((d) => String(d.applied)))}, ${textArray(decisions.map((d) => d.note))}
    ) with ordinality as r(customer_id, channel, granted, applied, note, n)
    order by r.n`);
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

const REASON = { unsubscribe: 'unsubscribe', complaint: 'spam complaint', hard_bounce: 'hard bounce', invalid: 'invalid address', blocked: 'bot blocked' } as const;

const describe = (s: Suppression) => `${REASON[s.reason]} on ${s.createdAt.toISOString()}`;
