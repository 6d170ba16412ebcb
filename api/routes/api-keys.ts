/**
 * Admin routes for stored API keys: POST /v1/api-keys `{ name, scopes }` → 201 with the key (shown
 * only in this answer), GET /v1/api-keys (never secrets), DELETE /v1/api-keys/:id → 204 revoked.
 */
import { Router } from 'express';
import { createApiKey, listApiKeys, revokeStoredApiKey } from '../../access/api-keys';
import type { KeyVerifier } from '../../access/verifier';
import type { Db } from '../../db/client';
import { actorOf, requireScope } from '../auth';
import { jsonBody } from '../json-body';
import { HttpError, parse } from '../../lib/http-error';
import { apiKeyCreateBody } from '../../schemas/api-keys';

export function apiKeysRouter(db: Db, verifier: KeyVerifier): Router {
  const router = Router();

  router.post('/v1/api-keys', requireScope('admin'), jsonBody, async (req, res) => {
    const body = parse(apiKeyCreateBody, req.body ?? {});
    const { id, key, name, scopes, createdAt } = await createApiKey(db, body, actorOf(res));
    res.status(201).json({ id, key, name, scopes, createdAt });
  });

  router.get('/v1/api-keys', requireScope('admin'), async (_req, res) => {
    res.json({ keys: await listApiKeys(db) });
  });

  router.delete('/v1/api-keys/:id', requireScope('admin'), async (req, res) => {
    const id = String(req.params.id);
    const row = await revokeStoredApiKey(db, id, actorOf(res));
    if (!row) throw new HttpError(404, 'not_found', `No stored API key ${id} (keys from CASCADE_API_KEYS are removed there)`, 'id');
    verifier.forget(id);
    res.status(204).end();
  });

  return router;
}
