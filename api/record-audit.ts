/**
 * Writes the audit row of a declared admin action (audit/declare.ts) before its answer leaves, with
 * the outcome the answer tells: 2xx/3xx ok, 4xx refused, 5xx failed. Holding the answer for the
 * insert means a caller who reads GET /v1/audit right after the action finds its row.
 */
import type { RequestHandler } from 'express';
import type { Db } from '../db/client';
import { insertAuditRow } from '../db/queries/audit';
import type { AuditOutcome } from '../db/schema';
import { logger } from '../lib/logger';
import { actorOf } from './auth';
import type { AuditPending } from '../audit/declare';

const outcomeOf = (status: number): AuditOutcome => (status >= 500 ? 'failed' : status >= 400 ? 'refused' : 'ok');

export function recordAudit(db: Db): RequestHandler {
  return (_req, res, next) => {
    const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
    res.end = ((...args: unknown[]) => {
      const pending = res.locals.audit as AuditPending | undefined;
      if (!pending) return end(...args);
      res.locals.audit = undefined;
      const row = { actor: actorOf(res), action: pending.action, target: pending.target, outcome: outcomeOf(res.statusCode), detail: { ...pending.detail, status: res.statusCode } };
      void insertAuditRow(db, row)
        .catch((err: unknown) => logger.error({ err, action: row.action, target: row.target }, 'audit row not written'))
        .finally(() => end(...args));
      return res;
    }) as typeof res.end;
    next();
  };
}
