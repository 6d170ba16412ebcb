/**
 * Graceful shutdown for Cascade's processes: on SIGINT/SIGTERM the steps run once, in order (stop
 * taking work, let in-flight work finish, close the stores), under one deadline. Past the deadline,
 * or on a second signal, the process exits non-zero without waiting further.
 */
import type { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { logger as defaultLogger } from './logger';

export interface ShutdownStep {
  name: string;
  run: () => unknown;
}

export interface ShutdownOptions {
  timeoutMs: number;
  log?: Logger;
  /** Where signals come from and how the process ends; the process itself unless a test says otherwise. */
  signals?: Pick<EventEmitter, 'on'>;
  exit?: (code: number) => void;
}

export interface Shutdown {
  /** Runs the steps (once; later calls join the first) and then exits. */
  run(reason: string, exitCode?: number): Promise<void>;
}

export function gracefulShutdown(steps: ShutdownStep[], opts: ShutdownOptions): Shutdown {
  const log = opts.log ?? defaultLogger;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let running: Promise<void> | undefined;

  const run = (reason: string, exitCode = 0): Promise<void> => {
    running ??= (async () => {
      log.info({ reason, timeoutMs: opts.timeoutMs }, 'shutting down');
      let current = '';
      // Ref'd on purpose: a step hung on a promise with no handle behind it must still end in exit(1).
      const deadline = setTimeout(() => {
        log.error({ step: current, timeoutMs: opts.timeoutMs }, 'shutdown did not finish in time; exiting');
        exit(1);
      }, opts.timeoutMs);
      let code = exitCode;
      for (const step of steps) {
        current = step.name;
        try {
          await step.run();
          log.info({ step: step.name }, 'stopped');
        } catch (err) {
          code = 1;
          log.error({ step: step.name, err }, 'shutdown step failed; going on with the rest');
        }
      }
      clearTimeout(deadline);
      log.info({ code }, 'shut down');
      exit(code);
    })();
    return running;
  };

  const onSignal = (signal: string) => {
    if (running) {
      log.warn({ signal }, 'second signal during shutdown; exiting now');
      exit(1);
      return;
    }
    void run(signal);
  };
  const signals = opts.signals ?? process;
  signals.on('SIGINT', () => onSignal('SIGINT'));
  signals.on('SIGTERM', () => onSignal('SIGTERM'));
  return { run };
}

/**
 * Stops taking connections and resolves once every request in flight has been answered.
 * `server.close()` drops only connections idle at that moment; a keep-alive connection whose request
 * is still running turns idle when answered and would linger until its keep-alive timeout.
 */
export async function closeHttpServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  server.closeIdleConnections();
  try {
    await closed;
  } finally {
    clearInterval(sweep);
  }
}
