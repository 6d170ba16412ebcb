/** Creating, listing and revoking stored API keys: the admin routes and `npm run api-key` both come here. */
import type { Db } from '../db/client';
import { insertApiKey, listApiKeys, revokeApiKey, type ListedApiKey } from '../db/queries/api-keys';
import { logger } from '../lib/logger';
import { newKeySecret } from './key-secret';
import type { ApiKeyScope } from './scopes';

export type { ListedApiKey };

/** The new key with its secret: the only time the secret exists outside the caller's hands. */
export async function createApiKey(
  db: Db,
  input: { name: string; scopes: ApiKeyScope[] },
  actor: string,
): Promise<ListedApiKey & { key: string }> {
  const { id, key, digest } = newKeySecret();
  const row = await insertApiKey(db, { id, name: input.name, scopes: input.scopes, digest });
  logger.info({ keyId: id, name: input.name, scopes: input.scopes, actor }, 'api key created');
  return { ...row, key };
}

export { listApiKeys };

export async function revokeStoredApiKey(db: Db, id: string, actor: string): Promise<ListedApiKey | undefined> {
  const row = await revokeApiKey(db, id);
  if (row) logger.info({ keyId: id, actor }, 'api key revoked');
  return row;
}
