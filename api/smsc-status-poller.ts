/**
 * SMSC callbacks can be lost (our API down, a misconfigured account). The poller asks status.php
 * about SMS sent a while ago that still have no final status, and records what it learns exactly
 * as a callback would (same dedupe key, so a late callback is a no-op). Run by the API process.
 */
import type { Client } from '@temporalio/client';
import { and, asc, eq, gt, lt } from 'drizzle-orm';
import { SmscApi, type SmscConfig } from '../activities/channels/smsc';
import type { Db } from '../db/client';
import { messages } from '../db/schema';
import { logger } from '../lib/logger';
import { applySmscReport } from './smsc-delivery';

export interface PollOptions {
  /** Ask about a message this long after it was sent, and again this long after each answer. */
  afterMs: number;
  /** SMSC keeps statuses for a few days; older messages are left alone. */
  maxAgeMs: number;
  /** SMSC allows 5 status requests per message per minute and fewer than 5 at once: one at a time. */
  batch: number;
}

export const DEFAULT_POLL: PollOptions = { afterMs: 10 * 60_000, maxAgeMs: 3 * 24 * 3600_000, batch: 50 };

export async function pollSmscStatuses(
  deps: { db: Db; client: Client; api: SmscApi },
  opts: PollOptions = DEFAULT_POLL,
  now = new Date(),
): Promise<{ checked: number; applied: number }> {
  const due = await deps.db
    .select({ id: messages.id, recipient: messages.recipient })
    .from(messages)
    .where(
      and(
        eq(messages.channel, 'sms'),
        eq(messages.provider, 'smsc'),
        eq(messages.status, 'sent'),
        lt(messages.updatedAt, new Date(now.getTime() - opts.afterMs)),
        gt(messages.createdAt, new Date(now.getTime() - opts.maxAgeMs)),
      ),
    )
    .orderBy(asc(messages.updatedAt))
    .limit(opts.batch);
  let applied = 0;
  for (const row of due) {
    const phone = row.recipient?.replace(/\D/g, '') ?? '';
    const { status, err } = await deps.api.status(row.id, phone);
    const outcome = await applySmscReport(deps, { id: row.id, phone, status, err, at: new Date(), source: 'poll' });
    if (outcome === 'applied') applied++;
    else {
      // Not final yet: updated_at doubles as "last asked", so this message waits `afterMs` again.
      await deps.db.update(messages).set({ updatedAt: new Date() }).where(and(eq(messages.id, row.id), eq(messages.status, 'sent')));
    }
  }
  return { checked: due.length, applied };
}

/** Polls every `everyMs` while SMSC is configured; undefined when it is not. */
export function startSmscStatusPoller(
  deps: { db: Db; client: Client },
  config: SmscConfig | undefined,
  everyMs = 60_000,
): { stop(): void } | undefined {
  if (!config) return undefined;
  const api = new SmscApi(config);
  let polling = false;
  const timer = setInterval(() => {
    if (polling) return;
    polling = true;
    pollSmscStatuses({ ...deps, api })
      .then(({ applied }) => applied && logger.info({ applied }, 'SMSC poller recorded final statuses that no callback brought'))
      .catch((err) => logger.warn({ err: (err as Error).message }, 'SMSC status poll failed; will retry'))
      .finally(() => (polling = false));
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
