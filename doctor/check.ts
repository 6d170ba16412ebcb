/**
 * What a doctor check is and what it gets. A check never throws and never prints a secret: its
 * `detail` says what it saw, its `fix` what to do; an error nobody expected is a fail that says the
 * thing could not be checked.
 */
import type { ConnectionLike } from '@temporalio/client';
import type { Db } from '../db/client';
import { logger } from '../lib/logger';

export type Status = 'pass' | 'warn' | 'fail';

export interface Check {
  name: string;
  status: Status;
  detail: string;
  /** What to do about a warn or fail; empty for a pass. */
  fix: string;
}

export interface DoctorContext {
  /** Provider settings, read by the same `…FromEnv` functions the adapters use. */
  env: NodeJS.ProcessEnv;
  /** Null when DATABASE_URL is not set and no `npm start` runs its embedded Postgres. */
  db: Db | null;
  /** Null when TEMPORAL_ADDRESS is not set and no `npm start` runs its dev server. */
  temporal: { connect: () => Promise<ConnectionLike>; namespace: string; taskQueue: string } | null;
  publicUrl: string;
  /** `host:port` DNS servers (CASCADE_DNS_SERVERS); empty: the system's. */
  dnsServers: string[];
  /** Each check's budget. */
  timeoutMs: number;
  /** Extra CA certificates for the public URL probe (tests; in production NODE_EXTRA_CA_CERTS does this). */
  ca?: string;
}

export type CheckFn = (ctx: DoctorContext) => Promise<Check[]>;

export const pass = (name: string, detail: string): Check => ({ name, status: 'pass', detail, fix: '' });
export const warn = (name: string, detail: string, fix: string): Check => ({ name, status: 'warn', detail, fix });
export const fail = (name: string, detail: string, fix: string): Check => ({ name, status: 'fail', detail, fix });

/**
 * Runs one check within its budget. A throw or a timeout becomes a fail named after the check (a
 * timeout may be a warn instead, where "could not check" says nothing about the thing); the
 * error's own text is left out (drivers put hosts, URLs and sometimes credentials in it), only its
 * kind is said.
 */
export async function bounded(name: string, check: CheckFn, ctx: DoctorContext, onTimeout: 'warn' | 'fail' = 'fail'): Promise<Check[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Check[]>((resolve) => {
    timer = setTimeout(
      () => resolve([(onTimeout === 'warn' ? warn : fail)(name, `could not check: no answer within ${ctx.timeoutMs} ms`, 'see that the service is up and reachable from this host')]),
      ctx.timeoutMs,
    );
  });
  try {
    return await Promise.race([check(ctx), timeout]);
  } catch (err) {
    logger.warn({ check: name, err }, 'doctor check failed unexpectedly');
    return [fail(name, `could not check: ${(err as Error)?.name ?? 'error'}`, "the process's log has the error")];
  } finally {
    clearTimeout(timer);
  }
}
