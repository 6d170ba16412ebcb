/**
 * Admin routes for stored API keys: POST /v1/api-keys `{ name, scopes }` → 201 with the key (shown
 * only in this answer), GET /v1/api-keys (never secrets), DELETE /v1/api-keys/:id → 204 revoked.
 */
import { Router } from 'express';
import { createApiKey, listApiKeys, revokeStoredApiKey } from '../../access/api-keys';
import type { KeyVerifier } from '../../access/verifier';
import type { Db } from '../../db/client';
import { actorOf } from '../auth';
import { jsonBody } from '../json-body';
import { HttpError, parse } from '../../lib/http-error';
import { apiKeyCreateBody, apiKeyCreated, apiKeyIdSchema, apiKeyList } from '../../schemas/api-keys';
import { auditDetail, auditTarget } from '../../audit/declare';
import { mount, type ApiRoute } from '../declared-route';

export const apiKeyRoutes = {
  create: {
    method: 'post',
    path: '/v1/api-keys',
    audit: { action: 'api-key.create', target: () => 'api-key:?' },
    summary: 'Create a stored API key with scopes; the key is in this answer only',
    key: 'admin',
    body: { schema: apiKeyCreateBody },
    ok: { 201: { description: 'Created', schema: apiKeyCreated } },
    errors: [400, 401, 403, 413],
  },
  list: {
    method: 'get',
    path: '/v1/api-keys',
    summary: 'Stored API keys, never their secrets',
    key: 'admin',
    ok: { 200: { description: 'The keys', schema: apiKeyList } },
    errors: [401, 403],
  },
  revoke: {
    method: 'delete',
    path: '/v1/api-keys/{id}',
    audit: { action: 'api-key.revoke', target: (req) => `api-key:${req.params.id}` },
    summary: 'Revoke a stored API key',
    key: 'admin',
    params: { id: apiKeyIdSchema },
    ok: { 204: { description: 'Revoked (or already revoked)' } },
    errors: [401, 403, 404],
  },
} satisfies Record<string, ApiRoute>;

export function apiKeysRouter(db: Db, verifier: KeyVerifier): Router {
  const router = Router();

  mount(router, apiKeyRoutes.create, jsonBody, async (req, res) => {
    const body = parse(apiKeyCreateBody, req.body ?? {});
    const { id, key, name, scopes, createdAt } = await createApiKey(db, body, actorOf(res));
    auditTarget(res, `api-key:${id}`);
    auditDetail(res, { name, scopes });
    res.status(201).json({ id, key, name, scopes, createdAt });
  });

  mount(router, apiKeyRoutes.list, async (_req, res) => {
    res.json({ keys: await listApiKeys(db) });
  });

  mount(router, apiKeyRoutes.revoke, async (req, res) => {
    const id = String(req.params.id);
    const row = await revokeStoredApiKey(db, id, actorOf(res));
    if (!row) throw new HttpError(404, 'not_found', `No stored API key ${id} (keys from CASCADE_API_KEYS are removed there)`, 'id');
    verifier.forget(id);
    res.status(204).end();
  });

  return router;
}
