/**
 * What a declared route says about its audit row: the action, and the target read from the request.
 * `auditAs` (put first on the route by `mount`) leaves both on the response for audit/record.ts.
 */
import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { grants } from '../access/scopes';
import type { ApiKeyIdentity } from '../access/verifier';

export interface AuditDeclaration {
  /** `api-key.create`, `campaign.send`, `customer.erase`… */
  action: string;
  /** The row's target, from the request: `campaign:<id>`; a customer through `customerTarget`. */
  target: (req: Request) => string;
  /** Record only requests made with an admin key (a consent set by an operator, not by a profile sync). */
  onlyAdminKeys?: boolean;
}

export interface AuditPending {
  action: string;
  target: string;
  detail: Record<string, unknown>;
}

/**
 * A customer as an audit target: a hash of their id, never the id, so an erasure leaves nothing of
 * them in the log and the log's rows never change. GET /v1/audit?target=customer:<id> hashes the same way.
 */
export function customerTarget(customerId: string): string {
  return `customer:#${createHash('sha256').update(customerId).digest('hex').slice(0, 24)}`;
}

export function auditAs(declaration: AuditDeclaration): RequestHandler {
  return (req, res, next) => {
    const key = res.locals.apiKey as ApiKeyIdentity | undefined;
    if (!declaration.onlyAdminKeys || (key && grants(key.scopes, 'admin'))) {
      res.locals.audit = { action: declaration.action, target: declaration.target(req), detail: {} } satisfies AuditPending;
    }
    next();
  };
}

/** Adds to the audit row's detail what the handler learned (a new key's id, an erasure's id); never personal data. */
export function auditDetail(res: Response, detail: Record<string, unknown>): void {
  const pending = res.locals.audit as AuditPending | undefined;
  if (pending) Object.assign(pending.detail, detail);
}

/** Names the row's target once the handler knows it (the id of what a POST created). */
export function auditTarget(res: Response, target: string): void {
  const pending = res.locals.audit as AuditPending | undefined;
  if (pending) pending.target = target;
}
