/**
 * Segment calls in: each message checked and mapped first (identify.ts, track.ts), so a bad one
 * refuses the request naming its field and index before anything is written; then one transaction
 * writes the identifies (the customer upsert) and stores the tracks (the events store, idempotent
 * on messageId), so a track may follow the identify that creates its customer in the same batch,
 * and a refused request leaves nothing behind. Stored tracks are routed like any event.
 *
 * Cascade's customers are people the product system knows: a call with only an anonymousId, and
 * page/screen/group/alias calls, are acknowledged and dropped (Segment's clients would otherwise
 * drop the whole batch they came in).
 */
import { logger } from '../lib/logger';
import type { LifecycleDeps } from '../lifecycle/deps';
import { upsertCustomer, type CustomerInput } from '../customers/upsert';
import { acceptStored, answerStored } from '../routing/ingest-event';
import { storeEvents, type EventToStore } from '../routing/store-events';
import type { SegmentMessage } from '../schemas/segment';
import type { SegmentEventMap } from './event-names';
import { refusal } from './fields';
import { customerFromIdentify } from './identify';
import { eventFromTrack } from './track';

/** A message and where it was: `` for a call of its own, `batch[3]` in a batch. */
export interface Located {
  at: string;
  message: SegmentMessage;
}

interface Plan {
  upserts: Array<{ id: string; body: CustomerInput }>;
  tracks: Array<{ at: string; event: EventToStore }>;
  dropped: number;
}

/** Checks and maps every message; throws the first problem (a 400 naming `batch[i].field`). */
export function planSegmentCalls(messages: Located[], names: SegmentEventMap): Plan {
  const plan: Plan = { upserts: [], tracks: [], dropped: 0 };
  for (const { at, message } of messages) {
    if (message.type !== 'identify' && message.type !== 'track') plan.dropped++;
    else if (!message.userId) plan.dropped++;
    else if (message.type === 'identify') plan.upserts.push({ id: message.userId, body: customerFromIdentify(message, at) });
    else plan.tracks.push({ at, event: eventFromTrack({ ...message, userId: message.userId }, at, names) });
  }
  return plan;
}

export async function ingestSegmentCalls(deps: LifecycleDeps, plan: Plan, actor: string): Promise<void> {
  // By customer id (a stable sort keeps one customer's identifies in order): two batches naming the
  // same customers lock their rows in one order, never a deadlock.
  const upserts = [...plan.upserts].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const events = plan.tracks.map((t) => t.event);
  const { stored, refused } = await deps.db.transaction(async (tx) => {
    const refused = new Map<string, string[]>();
    for (const { id, body } of upserts) {
      const outcome = await upsertCustomer(tx, id, body, { actor, attributes: 'merge' });
      if (outcome.refused.length) refused.set(id, outcome.refused.map((r) => r.channel));
    }
    const stored = events.length ? await storeEvents(tx, events) : [];
    plan.tracks.forEach(({ at, event }, i) => {
      const accepted = acceptStored(event, stored[i]!);
      if (!accepted.ok) {
        throw refusal(at, { id: 'messageId', customerId: 'userId' }, { status: accepted.outcome.status, ...accepted.outcome.error });
      }
    });
    return { stored, refused };
  });
  for (const [customerId, channels] of refused) logger.info({ customerId, actor, channels }, 'profile sync may not re-subscribe');
  if (plan.dropped) logger.debug({ dropped: plan.dropped }, 'segment calls without a userId, or of a kind Cascade does not keep, dropped');
  // Stored: counted and handed to the router as a POST /v1/events without ?wait is.
  for (const [i, event] of events.entries()) await answerStored(deps, event, stored[i]!);
}
