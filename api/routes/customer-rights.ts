/** GET /v1/customers/:customerId/export, DELETE /v1/customers/:customerId (erasure) and GET /v1/erasures/:id (customer-rights/). */
import { Router } from 'express';
import type { Db } from '../../db/client';
import { customerTarget, auditDetail } from '../../audit/declare';
import { exportCustomer } from '../../customer-rights/export';
import { erasureById, requestErasure, type Erasure } from '../../customer-rights/erasures';
import { wakeErasureJobs } from '../../customer-rights/job';
import { HttpError, parse } from '../../lib/http-error';
import { customerIdSchema } from '../../schemas/common';
import { eraseBody, erasureAnswer, erasureIdSchema, exportAnswer } from '../../schemas/customer-rights';
import { actorOf } from '../auth';
import { jsonBody } from '../json-body';
import { mount, type ApiRoute } from '../declared-route';
import type { z } from 'zod';

export const customerRightsRoutes = {
  export: {
    method: 'get',
    path: '/v1/customers/{customerId}/export',
    summary: 'Everything Cascade holds on the customer, as one JSON document (profile, consents and history, events, orders, messages with bodies and reports, runs)',
    key: 'admin',
    ok: { 200: { description: 'The export', schema: exportAnswer } },
    errors: [400, 401, 403, 404],
    audit: { action: 'customer.export', target: (req) => customerTarget(String(req.params.customerId)) },
  },
  erase: {
    method: 'delete',
    path: '/v1/customers/{customerId}',
    summary: "Erase the customer: runs end, Temporal forgets them, personal data goes, aggregates stay anonymised; carried out in the background (GET /v1/erasures/{id})",
    key: 'admin',
    body: { schema: eraseBody },
    ok: { 202: { description: 'The erasure, asked for now or before', schema: erasureAnswer } },
    errors: [400, 401, 403, 404],
    audit: { action: 'customer.erase', target: (req) => customerTarget(String(req.params.customerId)) },
  },
  erasure: {
    method: 'get',
    path: '/v1/erasures/{id}',
    summary: 'An erasure: pending, done or failed, and what it removed',
    key: 'admin',
    params: { id: erasureIdSchema },
    ok: { 200: { description: 'The erasure', schema: erasureAnswer } },
    errors: [401, 403, 404],
  },
} satisfies Record<string, ApiRoute>;

const answer = (e: Erasure): z.infer<typeof erasureAnswer> => ({
  id: e.id,
  status: e.status,
  reason: e.reason,
  objection: e.objection,
  requestedBy: e.requestedBy,
  requestedAt: e.requestedAt.toISOString(),
  finishedAt: e.finishedAt?.toISOString() ?? null,
  removed: e.removed,
  attempts: e.attempts,
  lastError: e.lastError,
});

export function customerRightsRouter(db: Db): Router {
  const router = Router();
  mount(router, customerRightsRoutes.export, async (req, res) => {
    res.json(await exportCustomer(db, parse(customerIdSchema, req.params.customerId, 'customerId')));
  });
  mount(router, customerRightsRoutes.erase, jsonBody, async (req, res) => {
    const customerId = parse(customerIdSchema, req.params.customerId, 'customerId');
    const { reason, objection } = parse(eraseBody, req.body ?? {});
    const erasure = await requestErasure(db, { customerId, reason, objection, requestedBy: actorOf(res) });
    if (erasure.status === 'pending') wakeErasureJobs();
    auditDetail(res, { erasureId: erasure.id });
    res.status(202).json(answer(erasure));
  });
  mount(router, customerRightsRoutes.erasure, async (req, res) => {
    const erasure = await erasureById(db, parse(erasureIdSchema, req.params.id, 'id'));
    if (!erasure) throw new HttpError(404, 'not_found', `Erasure ${String(req.params.id)} does not exist`, 'id');
    res.json(answer(erasure));
  });
  return router;
}
