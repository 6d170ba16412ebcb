/** POST /v1/customers/:customerId/merge { from } and POST /v1/customer-merges/:mergeId/revert (merges/). */
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/client';
import { mergeCustomers } from '../../merges/merge';
import { revertMerge } from '../../merges/revert';
import { actorOf } from '../auth';
import { jsonBody } from '../json-body';
import { parse } from '../../lib/http-error';
import { customerIdSchema } from '../../schemas/common';
import { mergeBody, mergeIdSchema, mergeAnswer, revertAnswer } from '../../schemas/data-quality';
import { customerTarget } from '../../audit/declare';
import { mount, type ApiRoute } from '../declared-route';

export const mergeRoutes = {
  merge: {
    method: 'post',
    path: '/v1/customers/{customerId}/merge',
    audit: { action: 'customer.merge', target: (req) => customerTarget(String(req.params.customerId)) },
    summary: 'Fold a duplicate (from) into this customer: events, orders, consents (the stricter wins), ledger; reversible',
    key: 'admin',
    body: { schema: mergeBody },
    ok: { 200: { description: 'Merged', schema: mergeAnswer } },
    errors: [400, 401, 403, 404, 409],
  },
  revert: {
    method: 'post',
    path: '/v1/customer-merges/{mergeId}/revert',
    audit: { action: 'customer.merge-revert', target: (req) => `customer-merge:${req.params.mergeId}` },
    summary: 'Undo a merge from its record: the duplicate and its rows come back',
    key: 'admin',
    params: { mergeId: mergeIdSchema },
    ok: { 200: { description: 'Reverted', schema: revertAnswer } },
    errors: [401, 403, 404, 409],
  },
} satisfies Record<string, ApiRoute>;

export function mergesRouter(db: Db, client: Client): Router {
  const router = Router();
  mount(router, mergeRoutes.merge, jsonBody, async (req, res) => {
    const survivorId = parse(customerIdSchema, req.params.customerId, 'customerId');
    const { from } = parse(mergeBody, req.body ?? {});
    res.json(await mergeCustomers(db, { survivorId, duplicateId: from, actor: actorOf(res), client }));
  });
  mount(router, mergeRoutes.revert, async (req, res) => {
    res.json(await revertMerge(db, parse(mergeIdSchema, req.params.mergeId, 'mergeId')));
  });
  return router;
}
