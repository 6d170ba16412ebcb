/**
 * SMSC callbacks can be lost (our API down, a misconfigured account). The poller asks status.php
 * about SMS sent a while ago that still have no final status, and applies what it learns exactly
 * as a callback would (same event id, so a late callback is a no-op). Each message is asked in its
 * own try: one that fails (SMSC answers garbage, the database hiccups) is backed off and retried
 * later, and never keeps the others from being asked.
 */
import type { Client } from '@temporalio/client';
import { and, asc, eq, gt, lt, notInArray } from 'drizzle-orm';
import { backoffMs } from '../../../lib/backoff';
import { SmscApi, type SmscConfig } from './adapter';
import type { Db } from '../../../db/client';
import { messages } from '../../../db/schema';
import { logger } from '../../../lib/logger';
import { applyReport } from '../../../reports/apply-report';
import type { ReportPoller } from '../../../reports/jobs';
import { smscReport } from './reports';

export interface PollOptions {
  /** Ask about a message this long after it was sent, and again this long after each answer. */
  afterMs: number;
  /** SMSC keeps statuses for a few days; older messages are left alone. */
  maxAgeMs: number;
  /** SMSC allows 5 status requests per message per minute and fewer than 5 at once: one at a time. */
  batch: number;
  /** A message whose poll failed waits this long, doubling per failure up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_POLL: PollOptions = { afterMs: 10 * 60_000, maxAgeMs: 3 * 24 * 3600_000, batch: 50, backoffMs: 60_000, maxBackoffMs: 6 * 3600_000 };

export interface PollResult {
  checked: number;
  applied: number;
  failed: number;
}

export class SmscPoller {
  /**
   * Failures per message, in memory: updated_at (bumped on every ask) already keeps a failing
   * message behind the others across restarts; this adds the growing wait between tries.
   */
  private readonly failures = new Map<number, { attempts: number; notBefore: number }>();

  constructor(
    private readonly deps: { db: Db; client: Client; api: SmscApi },
    private readonly opts: PollOptions = DEFAULT_POLL,
  ) {}

  /** `abort`: shutting down; the messages not yet asked wait for the next poll. */
  async poll(now = new Date(), abort?: AbortSignal): Promise<PollResult> {
    for (const [id, f] of this.failures) if (f.notBefore < now.getTime() - this.opts.maxAgeMs) this.failures.delete(id);
    const waiting = [...this.failures].filter(([, f]) => f.notBefore > now.getTime()).map(([id]) => id);
    const due = await this.deps.db
      .select({ id: messages.id, recipient: messages.recipient })
      .from(messages)
      .where(
        and(
          eq(messages.channel, 'sms'),
          eq(messages.provider, 'smsc'),
          eq(messages.status, 'sent'),
          lt(messages.updatedAt, new Date(now.getTime() - this.opts.afterMs)),
          gt(messages.createdAt, new Date(now.getTime() - this.opts.maxAgeMs)),
          waiting.length ? notInArray(messages.id, waiting) : undefined,
        ),
      )
      .orderBy(asc(messages.updatedAt))
      .limit(this.opts.batch);

    const result: PollResult = { checked: due.length, applied: 0, failed: 0 };
    for (const row of due) {
      if (abort?.aborted) break;
      try {
        if ((await this.ask(row.id, row.recipient?.replace(/\D/g, '') ?? '')) === 'applied') result.applied++;
        this.failures.delete(row.id);
      } catch (err) {
        result.failed++;
        const attempts = (this.failures.get(row.id)?.attempts ?? 0) + 1;
        this.failures.set(row.id, { attempts, notBefore: now.getTime() + backoffMs(attempts, this.opts.backoffMs, this.opts.maxBackoffMs) });
        logger.warn({ messageId: row.id, attempts, err: (err as Error).message }, 'SMSC status poll failed for a message; will retry later');
        await this.markAsked(row.id).catch(() => {});
      }
    }
    return result;
  }

  private async ask(id: number, phone: string): Promise<'applied' | 'waiting'> {
    const { status, err } = await this.deps.api.status(id, phone);
    const report = smscReport({ id, phone, status, err, at: new Date(), source: 'poll' });
    if (report && (await applyReport(this.deps, report)) === 'applied') return 'applied';
    await this.markAsked(id);
    return 'waiting';
  }

  /** Not final yet: updated_at doubles as "last asked", so this message waits `afterMs` again. */
  private async markAsked(id: number): Promise<void> {
    await this.deps.db.update(messages).set({ updatedAt: new Date() }).where(and(eq(messages.id, id), eq(messages.status, 'sent')));
  }
}

/** The SMSC poller as a report job, once a minute. */
export function smscReportPoller(deps: { db: Db; client: Client }, config: SmscConfig, everyMs = 60_000): ReportPoller {
  const poller = new SmscPoller({ ...deps, api: new SmscApi(config) });
  return { name: 'SMSC status poller', everyMs, poll: (abort) => poller.poll(new Date(), abort) };
}
