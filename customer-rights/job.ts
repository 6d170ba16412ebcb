/**
 * The erasures asked for, carried out in the background by every API process: a due one is claimed
 * with a lease (FOR UPDATE SKIP LOCKED, outbox/claim.ts), so two processes never work on the same
 * erasure, and one whose process died is taken over when its lease runs out. A failure is retried
 * with backoff (erasures.ts) and shown on GET /v1/erasures/:id. The process that took the DELETE
 * starts at once (`wakeErasureJobs`); the others look every `everyMs`.
 */
import type { Job } from '../lib/every';
import { logger } from '../lib/logger';
import { carryOut, type EraseDeps } from './erase';
import { claimErasure, erasureFailed } from './erasures';

/** Longer than one erasure takes at worst (30 s for runs to close, 120 s for Temporal to forget them, the transaction). */
const LEASE_MS = 5 * 60_000;

const awake = new Set<() => void>();

/** An erasure was asked for in this process: its jobs look now instead of at their next tick. */
export function wakeErasureJobs(): void {
  for (const wake of awake) wake();
}

async function pass(deps: EraseDeps, abort: AbortSignal): Promise<void> {
  while (!abort.aborted) {
    const erasure = await claimErasure(deps.db, LEASE_MS);
    if (!erasure) return;
    try {
      await carryOut(deps, erasure);
    } catch (err) {
      // The message may quote a workflow id, which names the customer: it stays on the row, not in the log.
      logger.warn({ erasureId: erasure.id, attempt: erasure.attempts + 1 }, 'a customer erasure failed; will retry');
      await erasureFailed(deps.db, erasure, err);
    }
  }
}

export function startErasureJob(deps: EraseDeps, opts: { everyMs?: number } = {}): Job {
  const stopping = new AbortController();
  let running: Promise<void> | undefined;
  let again = false;
  const wake = () => {
    if (stopping.signal.aborted) return;
    // A wake during a pass may come after its last claim found nothing: one more pass follows it.
    if (running) return void (again = true);
    running = pass(deps, stopping.signal)
      .catch((err: unknown) => logger.warn({ err }, 'customer erasures failed; will retry'))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          wake();
        }
      });
  };
  const timer = setInterval(wake, opts.everyMs ?? 30_000);
  timer.unref();
  awake.add(wake);
  return {
    async stop() {
      stopping.abort();
      clearInterval(timer);
      awake.delete(wake);
      await running;
    },
  };
}
