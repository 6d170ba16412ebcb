/** /v1/api-keys: create, list, revoke stored API keys (access/). */
import { z } from 'zod';
import { apiKeyScopes, scopeListSchema } from '../access/scopes';

export const apiKeyCreateBody = z.object({ name: z.string().trim().min(1).max(100), scopes: scopeListSchema }).strict();

const keyFields = {
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(apiKeyScopes)),
  createdAt: z.iso.datetime(),
};

export const apiKeyCreated = z.object({ ...keyFields, key: z.string().meta({ description: 'Shown in this answer only' }) });

export const apiKeyList = z.object({
  keys: z.array(z.object({ ...keyFields, lastUsedAt: z.iso.datetime().nullable(), revokedAt: z.iso.datetime().nullable() })),
});

export const apiKeyIdSchema = z.string().regex(/^[0-9a-f]{12}$/, '12 hex characters');
