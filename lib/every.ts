/**
 * A background job on a timer: one pass at a time (a slow pass is not overlapped), failures logged
 * and retried at the next tick, and a `stop` that aborts the pass in progress and waits for it.
 */
import { logger } from './logger';

export interface Job {
  stop(): Promise<void>;
}

export function every(ms: number, name: string, pass: (abort: AbortSignal) => Promise<unknown>): Job {
  let running: Promise<unknown> | undefined;
  const stopping = new AbortController();
  const timer = setInterval(() => {
    if (running) return;
    running = pass(stopping.signal)
      .catch((err: unknown) => logger.warn({ err, job: name }, `${name} failed; will retry`))
      .finally(() => (running = undefined));
  }, ms);
  timer.unref();
  return {
    async stop() {
      stopping.abort();
      clearInterval(timer);
      await running;
    },
  };
}
