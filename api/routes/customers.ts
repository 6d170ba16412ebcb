/** PUT /v1/customers/:customerId (upsert with consents) and GET /v1/customers/:customerId/messages. */
import { desc, eq } from 'drizzle-orm';
import { Router } from 'express';
import { consentFor } from '../../contactability/consent-rule';
import type { Db } from '../../db/client';
import { consentMap, consentsByTopic } from '../../db/queries/consents';
import { customers, messages } from '../../db/schema';
import { upsertCustomer } from '../../customers/upsert';
import type { Channel } from '../../workflows/contract';
import { knownTopics } from '../../workflows/registry';
import { logger } from '../../lib/logger';
import { actorOf } from '../auth';
import { jsonBody } from '../json-body';
import { HttpError, parse } from '../../lib/http-error';
import { customerIdSchema } from '../../schemas/common';
import { customerBody, customerAnswer, customerDetail, messagesAnswer } from '../../schemas/customers';
import { mount, type ApiRoute } from '../declared-route';

export const customerRoutes = {
  upsert: {
    method: 'put',
    path: '/v1/customers/{customerId}',
    summary: 'Create or update a customer (a profile sync: it cannot undo an unsubscribe, complaint or bounce)',
    key: 'ingest',
    body: { schema: customerBody },
    ok: { 200: { description: 'Updated', schema: customerAnswer }, 201: { description: 'Created', schema: customerAnswer } },
    errors: [400, 401, 413],
  },
  get: {
    method: 'get',
    path: '/v1/customers/{customerId}',
    summary: 'The customer, with consents by channel and topic',
    key: 'read',
    ok: { 200: { description: 'The customer', schema: customerDetail } },
    errors: [400, 401, 404],
  },
  messages: {
    method: 'get',
    path: '/v1/customers/{customerId}/messages',
    summary: "The customer's send ledger, newest first",
    key: 'read',
    ok: { 200: { description: 'The ledger', schema: messagesAnswer } },
    errors: [400, 401, 404],
  },
} satisfies Record<string, ApiRoute>;

export function customersRouter(db: Db): Router {
  const router = Router();

  mount(router, customerRoutes.upsert, jsonBody, async (req, res) => {
    const id = parse(customerIdSchema, req.params.customerId, 'customerId');
    const body = parse(customerBody, req.body ?? {});
    // A profile sync may be older than the customer's unsubscribe: refusals are recorded, the upsert still succeeds.
    const { created, refused } = await db.transaction((tx) => upsertCustomer(tx, id, body, { actor: actorOf(res) }));
    if (refused.length) logger.info({ customerId: id, actor: actorOf(res), channels: refused.map((r) => r.channel) }, 'profile sync may not re-subscribe');
    const [customer] = await db.select().from(customers).where(eq(customers.id, id));
    res.status(created ? 201 : 200).json({
      ...customer,
      consents: await consentMap(db, id),
      ...(refused.length ? { consentsRefused: refused.map(({ channel, note }) => ({ channel, note })) } : {}),
    });
  });

  mount(router, customerRoutes.get, async (req, res) => {
    const id = parse(customerIdSchema, req.params.customerId, 'customerId');
    const [customer] = await db.select().from(customers).where(eq(customers.id, id));
    if (!customer) throw new HttpError(404, 'not_found', `Customer ${id} does not exist`, 'customerId');
    const stored = await consentsByTopic(db, id);
    // The answer to "will a promotion by email go?" without knowing the override rule (consentFor owns it).
    const topics: Partial<Record<Channel, Record<string, boolean>>> = {};
    for (const channel of Object.keys(stored) as Channel[]) {
      topics[channel] = {};
      for (const topic of knownTopics) topics[channel][topic] = (await consentFor(db, id, channel, topic))?.granted ?? false;
    }
    res.json({ ...customer, consents: stored, topics });
  });

  mount(router, customerRoutes.messages, async (req, res) => {
    const id = parse(customerIdSchema, req.params.customerId, 'customerId');
    const [customer] = await db.select({ id: customers.id }).from(customers).where(eq(customers.id, id));
    if (!customer) throw new HttpError(404, 'not_found', `Customer ${id} does not exist`, 'customerId');
    const rows = await db
      .select({
        id: messages.id,
        journey: messages.journey,
        step: messages.step,
        channel: messages.channel,
        template: messages.template,
        status: messages.status,
        skipReason: messages.skipReason,
        smsSegments: messages.smsSegments,
        error: messages.error,
        provider: messages.provider,
        workflowId: messages.workflowId,
        requestedAt: messages.requestedAt,
        createdAt: messages.createdAt,
        updatedAt: messages.updatedAt,
      })
      .from(messages)
      .where(eq(messages.customerId, id))
      .orderBy(desc(messages.requestedAt), desc(messages.id));
    res.json({ messages: rows });
  });

  return router;
}
