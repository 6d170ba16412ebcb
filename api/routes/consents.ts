/**
 * PUT /v1/customers/:customerId/consents `{ email?, sms?, push?, webhook?, source?, consentedAt? }`:
 * the customer's own consent (rules: contactability/consents.ts), and
 * GET /v1/customers/:customerId/consents/history: every change asked for, newest first.
 */
import { eq } from 'drizzle-orm';
import { Router } from 'express';
import { applyConsentChanges } from '../../contactability/consents';
import type { Db } from '../../db/client';
import { consentHistory, consentMap, consentsByTopic } from '../../db/queries/consents';
import { customers } from '../../db/schema';
import { actorOf } from '../auth';
import { jsonBody } from '../json-body';
import { HttpError, parse } from '../../lib/http-error';
import { customerIdSchema } from '../../schemas/common';
import { consentBody, consentAnswer, consentHistoryAnswer } from '../../schemas/consents';
import { customerTarget } from '../../audit/declare';
import { mount, type ApiRoute } from '../declared-route';

async function topicConsents(db: Db, customerId: string, topic: string): Promise<Record<string, boolean>> {
  const byChannel = await consentsByTopic(db, customerId);
  return Object.fromEntries(Object.entries(byChannel).flatMap(([channel, topics]) => (topic in topics ? [[channel, topics[topic]!]] : [])));
}

export const consentRoutes = {
  put: {
    method: 'put',
    path: '/v1/customers/{customerId}/consents',
    audit: { action: 'consent.set', target: (req) => customerTarget(String(req.params.customerId)), onlyAdminKeys: true },
    summary: "The customer's own consent; granting lifts an unsubscribe or complaint older than consentedAt",
    key: 'ingest',
    body: { schema: consentBody },
    ok: { 200: { description: 'The consents now', schema: consentAnswer } },
    errors: [400, 401, 404, 409, 413],
  },
  history: {
    method: 'get',
    path: '/v1/customers/{customerId}/consents/history',
    summary: 'Every consent change asked for, applied or refused, newest first',
    key: 'read',
    ok: { 200: { description: 'The history', schema: consentHistoryAnswer } },
    errors: [400, 401, 404],
  },
} satisfies Record<string, ApiRoute>;

export function consentsRouter(db: Db): Router {
  const router = Router();

  mount(router, consentRoutes.put, jsonBody, async (req, res) => {
    const id = parse(customerIdSchema, req.params.customerId, 'customerId');
    const { source, consentedAt, topic, ...changes } = parse(consentBody, req.body ?? {});
    const result = await db.transaction(async (tx) => {
      const [customer] = await tx.select().from(customers).where(eq(customers.id, id));
      if (!customer) throw new HttpError(404, 'not_found', `Customer ${id} does not exist`, 'customerId');
      return applyConsentChanges(tx, customer, changes, {
        source: source ?? 'api',
        actor: actorOf(res),
        consentedAt: consentedAt ?? new Date(),
        mode: 're-subscribe',
        topic,
      });
    });
    // The refused attempt is committed to the audit trail; the consent itself is unchanged.
    if (result.conflict) throw new HttpError(409, 'consent_conflict', result.conflict, 'consentedAt');
    const notes = result.outcomes.filter((o) => o.note).map(({ channel, note }) => ({ channel, note }));
    // Without a topic the answer is the channel-wide consent as before; with one, that topic's rows.
    const consents = topic && topic !== '*' ? await topicConsents(db, id, topic) : await consentMap(db, id);
    res.json({ customerId: id, ...(topic && topic !== '*' ? { topic } : {}), consents, ...(notes.length ? { notes } : {}) });
  });

  mount(router, consentRoutes.history, async (req, res) => {
    const id = parse(customerIdSchema, req.params.customerId, 'customerId');
    const [customer] = await db.select({ id: customers.id }).from(customers).where(eq(customers.id, id));
    if (!customer) throw new HttpError(404, 'not_found', `Customer ${id} does not exist`, 'customerId');
    res.json({ customerId: id, changes: await consentHistory(db, id) });
  });

  return router;
}
