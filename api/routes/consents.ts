/**
 * PUT /v1/customers/:customerId/consents `{ email?, sms?, push?, webhook?, source?, consentedAt? }`:
 * the customer's own consent (rules: contactability/consents.ts), and
 * GET /v1/customers/:customerId/consents/history: every change asked for, newest first.
 */
import { eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import { applyConsentChanges } from '../../contactability/consents';
import type { Db } from '../../db/client';
import { consentHistory, consentMap } from '../../db/queries/consents';
import { customers } from '../../db/schema';
import { actorOf, requireScope } from '../auth';
import { HttpError, parse } from '../errors';
import { customerIdSchema } from './customers';

/** Clocks drift: a consent stamped a little ahead of ours is still believable. */
const FUTURE_SLACK_MS = 5 * 60_000;

const consentBody = z
  .object({
    email: z.boolean().optional(),
    sms: z.boolean().optional(),
    push: z.boolean().optional(),
    webhook: z.boolean().optional(),
    /** Where the customer consented: checkout-form, preference-centre… Required to grant. */
    source: z.string().trim().min(1).max(200).optional(),
    consentedAt: z.iso
      .datetime({ offset: true })
      .transform((s) => new Date(s))
      .refine((d) => d.getTime() <= Date.now() + FUTURE_SLACK_MS, 'must not be in the future')
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const { source, consentedAt, ...channels } = c;
    if (Object.keys(channels).length === 0) ctx.addIssue({ code: 'custom', message: 'give at least one of email, sms, push, webhook' });
    else if (!source && Object.values(channels).some(Boolean)) {
      ctx.addIssue({ code: 'custom', path: ['source'], message: 'say where the customer consented (e.g. checkout-form) to grant a channel' });
    }
  });

export function consentsRouter(db: Db): Router {
  const router = Router();

  router.put('/v1/customers/:customerId/consents', requireScope('ingest'), async (req, res) => {
    const id = parse(customerIdSchema, req.params.customerId, 'customerId');
    const { source, consentedAt, ...changes } = parse(consentBody, req.body ?? {});
    const result = await db.transaction(async (tx) => {
      const [customer] = await tx.select().from(customers).where(eq(customers.id, id));
      if (!customer) throw new HttpError(404, 'not_found', `Customer ${id} does not exist`, 'customerId');
      return applyConsentChanges(tx, customer, changes, {
        source: source ?? 'api',
        actor: actorOf(res),
        consentedAt: consentedAt ?? new Date(),
        mode: 're-subscribe',
      });
    });
    // The refused attempt is committed to the audit trail; the consent itself is unchanged.
    if (result.conflict) throw new HttpError(409, 'consent_conflict', result.conflict, 'consentedAt');
    const notes = result.outcomes.filter((o) => o.note).map(({ channel, note }) => ({ channel, note }));
    res.json({ customerId: id, consents: await consentMap(db, id), ...(notes.length ? { notes } : {}) });
  });

  router.get('/v1/customers/:customerId/consents/history', requireScope('read'), async (req, res) => {
    const id = parse(customerIdSchema, req.params.customerId, 'customerId');
    const [customer] = await db.select({ id: customers.id }).from(customers).where(eq(customers.id, id));
    if (!customer) throw new HttpError(404, 'not_found', `Customer ${id} does not exist`, 'customerId');
    res.json({ customerId: id, changes: await consentHistory(db, id) });
  });

  return router;
}
