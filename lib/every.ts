/**
 * A background job on a timer: one pass at a time (a slow pass is not overlapped), failures logged
 * and retried at the next tick, and a `stop` that waits for the pass in progress.
 */
import { logger } from './logger';

export interface Job {
  stop(): Promise<void>;
}

export function every(ms: number, name: string, pass: () => Promise<unknown>): Job {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = pass()
      .catch((err: unknown) => logger.warn({ err, job: name }, `${name} failed; will retry`))
      .finally(() => (running = undefined));
  }, ms);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
