/** PUT /v1/customers/:customerId/consents `{ email?, sms?, push?, webhook? }` (rules: db/queries/consents.ts). */
import { eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { consentMap, setConsents } from '../../db/queries/consents';
import { customers } from '../../db/schema';
import { HttpError, parse } from '../errors';
import { customerIdSchema } from './customers';

const consentBody = z
  .object({ email: z.boolean(), sms: z.boolean(), push: z.boolean(), webhook: z.boolean() })
  .partial()
  .strict()
  .refine((c) => Object.keys(c).length > 0, 'give at least one of email, sms, push, webhook');

export function consentsRouter(db: Db): Router {
  const router = Router();

  router.put('/v1/customers/:customerId/consents', async (req, res) => {
    const id = parse(customerIdSchema, req.params.customerId, 'customerId');
    const body = parse(consentBody, req.body ?? {});
    await db.transaction(async (tx) => {
      const [customer] = await tx.select().from(customers).where(eq(customers.id, id));
      if (!customer) throw new HttpError(404, 'not_found', `Customer ${id} does not exist`, 'customerId');
      await setConsents(tx, customer, body);
    });
    res.json({ customerId: id, consents: await consentMap(db, id) });
  });

  return router;
}
