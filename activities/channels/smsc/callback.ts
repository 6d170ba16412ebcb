/**
 * SMSC's delivery callbacks (`POST /webhooks/smsc`, api/routes/webhooks-smsc.ts) (providers.md §2.3), a form POST to the one
 * handler URL set in the SMSC account, with `id` (our ledger id), `phone`, `status`, `err`, `time`.
 *
 * Unverified: SMSC documents that a callback is signed when a secret is set in the account, as
 * md5 (and/or sha1) of `${id}:${phone}:${status}:${secret}`; the exact field names and the phone's
 * format inside the hash come from third-party code, not from a captured callback. We hash the
 * fields exactly as posted and accept either `md5` or `sha1`. Anything unsigned or mismatched is
 * refused with 401 and changes nothing. Without SMSC_CALLBACK_SECRET every callback is refused: an
 * unsigned one could be forged to suppress a number, and the status.php poller covers delivery anyway.
 *
 * SMSC wants a fast 200. A replay (same id, phone and status) and an unknown id are 200 and no-ops;
 * the same URL also receives incoming SMS, which we do not handle, so those are 200 too.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Db } from '../../../db/client';
import { HttpError, parse } from '../../../lib/http-error';
import { webhookVerifications } from '../../../metrics/registry';
import { applyReport } from '../../../reports/apply-report';
import { smscReport } from './reports';

const integer = z.string().trim().regex(/^-?\d+$/, 'an integer').transform(Number);

/** The form fields of a delivery callback (also in the OpenAPI document). */
export const smscCallback = z.object({
  id: integer.pipe(z.number().min(1).max(2_147_483_647)),
  phone: z.string().trim().regex(/^\+?\d{7,15}$/, 'digits of an international phone number').transform((p) => p.replace(/\D/g, '')),
  status: integer,
  err: integer.optional(),
  time: integer.optional(),
});

function signed(form: Record<string, unknown>, secret: string): boolean {
  const text = `${String(form.id)}:${String(form.phone)}:${String(form.status)}:${secret}`;
  for (const algorithm of ['md5', 'sha1'] as const) {
    const given = form[algorithm];
    if (typeof given !== 'string') continue;
    const expected = createHash(algorithm).update(text).digest();
    const actual = Buffer.from(given.trim().toLowerCase(), 'hex');
    if (actual.length === expected.length && timingSafeEqual(actual, expected)) return true;
  }
  return false;
}

/** Verifies and applies one callback's form; a form that is not a delivery report (an incoming SMS) is taken and ignored. */
export function smscCallbackReceiver(deps: { db: Db; client: Client; secret: string | undefined }): (form: Record<string, unknown>) => Promise<void> {
  return async (form) => {
    if (!deps.secret) {
      throw new HttpError(401, 'not_configured', 'SMSC_CALLBACK_SECRET is not set, so callbacks cannot be verified; the status poller covers delivery');
    }
    const verified = signed(form, deps.secret);
    webhookVerifications.inc({ provider: 'smsc', outcome: verified ? 'ok' : 'failed' });
    if (!verified) throw new HttpError(401, 'invalid_signature', 'SMSC callback signature is missing or does not match');
    if (form.status === undefined && form.mes !== undefined) return; // an incoming SMS, not a delivery report
    const fields = parse(smscCallback, form);
    const at = fields.time ? new Date(fields.time * 1000) : new Date();
    const report = smscReport({ id: fields.id, phone: fields.phone, status: fields.status, err: fields.err ?? 0, at, source: 'callback' });
    if (report) await applyReport(deps, report);
  };
}
