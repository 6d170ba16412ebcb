/** POST /v1/customers/:customerId/merge { from } and POST /v1/customer-merges/:mergeId/revert (merges/). */
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/client';
import { mergeCustomers } from '../../merges/merge';
import { revertMerge } from '../../merges/revert';
import { actorOf, requireScope } from '../auth';
import { jsonBody } from '../json-body';
import { parse } from '../../lib/http-error';
import { customerIdSchema } from '../../schemas/common';
import { mergeBody, mergeIdSchema } from '../../schemas/audit';

export function mergesRouter(db: Db, client: Client): Router {
  const router = Router();
  router.post('/v1/customers/:customerId/merge', requireScope('admin'), jsonBody, async (req, res) => {
    const survivorId = parse(customerIdSchema, req.params.customerId, 'customerId');
    const { from } = parse(mergeBody, req.body ?? {});
    res.json(await mergeCustomers(db, { survivorId, duplicateId: from, actor: actorOf(res), client }));
  });
  router.post('/v1/customer-merges/:mergeId/revert', requireScope('admin'), async (req, res) => {
    res.json(await revertMerge(db, parse(mergeIdSchema, req.params.mergeId, 'mergeId')));
  });
  return router;
}
