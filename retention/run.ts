/**
 * One retention pass: months made ahead, expired months dropped (their needed rows held), message
 * bodies cleared, delivered webhook deliveries pruned. One process at a time (an advisory lock),
 * since every API process runs the job.
 */
import { reservedConnection, type Db } from '../db/client';
import { expireEvents, type ExpiredEvents } from './expire-events';
import { clearMessageBodies } from './message-bodies';
import { ensureMonthsAhead } from './months';
import { segmentWindows } from './segment-windows';
import { cutoff, type RetentionSettings } from './settings';
import { pruneWebhookDeliveries } from './webhook-deliveries';

export interface RetentionReport extends ExpiredEvents {
  messageBodiesCleared: number;
  webhookDeliveriesPruned: number;
}

/** The advisory lock a pass holds, by name. */
const PASS_LOCK = 'cascade retention';

/** The pass, or null when another process is running one. */
export async function runRetention(db: Db, settings: RetentionSettings, now = new Date(), abort?: AbortSignal): Promise<RetentionReport | null> {
  // Safe beside another pass (the partition function locks), and first on the pool: a pool that was
  // closed fails here, where waiting to reserve one of its connections would wait for ever.
  await ensureMonthsAhead(db, now);
  return reservedConnection(db, async (conn) => {
    const [lock] = await conn<{ ok: boolean }[]>`select pg_try_advisory_lock(hashtext(${PASS_LOCK})) as ok`;
    if (!lock?.ok) return null;
    try {
      const expired = await expireEvents(db, settings, await segmentWindows(db), now);
      const bodiesBefore = cutoff(now, settings.messageBodyDays);
      return {
        ...expired,
        messageBodiesCleared: bodiesBefore ? await clearMessageBodies(db, bodiesBefore, abort) : 0,
        webhookDeliveriesPruned: bodiesBefore ? await pruneWebhookDeliveries(db, bodiesBefore, abort) : 0,
      };
    } finally {
      await conn`select pg_advisory_unlock(hashtext(${PASS_LOCK}))`;
    }
  });
}
