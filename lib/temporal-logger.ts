/**
 * The Temporal SDK logs (worker, workflow and activity context, and the native core) through Cascade's
 * pino logger, so they get the same masking, redaction and JSON shape as everything else.
 */
import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';
import { logger as defaultLogger } from './logger';

const levels = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

export function temporalLogger(log: Logger = defaultLogger.child({ component: 'temporal' })): SdkLogger {
  const write = (level: LogLevel, message: string, meta?: LogMetadata) => log[levels[level]]({ ...meta }, message);
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}

/**
 * Once per process, before the first worker or native connection (tests install their own runtime).
 * With `metricsAddress` (CASCADE_TEMPORAL_METRICS_ADDRESS) the SDK core serves its own worker
 * metrics (task slots, poll latency, schedule-to-start, sticky cache) at http://<address>/metrics.
 */
export function installTemporalLogging(opts: { metricsAddress?: string } = {}): void {
  Runtime.install({
    logger: temporalLogger(),
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'WARN' }, forward: {} },
      ...(opts.metricsAddress ? { metrics: { prometheus: { bindAddress: opts.metricsAddress } } } : {}),
    },
  });
}

/** The workflow bundler reports webpack's whole output at info: worth a debug line, no more. */
export function bundlerLogger(): SdkLogger {
  const log = temporalLogger(defaultLogger.child({ component: 'workflow-bundler' }));
  return { ...log, info: log.debug, log: (level, message, meta) => log.log(level === 'INFO' ? 'DEBUG' : level, message, meta) };
}
