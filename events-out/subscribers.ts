/**
 * The active subscriptions, as every process that writes events sees them. Read whole every couple
 * of seconds in the background (as journey-controls/settings.ts reads journey settings), so a change
 * that nobody subscribes to costs no statement: the hot path asks memory. A new subscription is seen
 * by the process that made it at once and by the others within a refresh (lib/refreshed-view.ts).
 */
import type { Db } from '../db/client';
import { activeWebhookSubscriptions, type ActiveSubscription } from '../db/queries/webhook-subscriptions';
import { refreshedView, type RefreshedView } from '../lib/refreshed-view';
import type { OutEventType } from './types';

export interface Subscribers {
  /** The active subscriptions that take `type`, at most a refresh old. */
  of(type: OutEventType): Promise<ActiveSubscription[]>;
  /** Every active subscription (the delivery job's round). */
  all(): Promise<ActiveSubscription[]>;
  /** Reads them now: the process that made a change sees it at once. */
  refresh(): Promise<void>;
}

const views = new WeakMap<Db, RefreshedView<ActiveSubscription[]>>();

export function subscribers(db: Db): Subscribers {
  const view = refreshedView(views, db, activeWebhookSubscriptions, 'webhook subscriptions');
  return { all: view.current, of: async (type) => (await view.current()).filter((s) => s.events.includes(type)), refresh: view.refresh };
}
