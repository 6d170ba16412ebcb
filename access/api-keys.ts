/** Creating, listing and revoking stored API keys: the admin routes and `npm run api-key` both come here. */
import type { Db } from '../db/client';
import { insertApiKey, listApiKeys, revokeApiKey, type ListedApiKey } from '../db/queries/api-keys';
import { deleteDashboardSessionsOfKey } from '../db/queries/dashboard-sessions';
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

/** Revokes the key and ends the dashboard sessions signed in with it, together. */
export async function revokeStoredApiKey(db: Db, id: string, actor: string): Promise<ListedApiKey | undefined> {
  const { row, sessions } = await db.transaction(async (tx) => {
    const row = await revokeApiKey(tx, id);
    return { row, sessions: row ? await deleteDashboardSessionsOfKey(tx, id) : 0 };
  });
  if (row) logger.info({ keyId: id, actor, dashboardSessions: sessions }, 'api key revoked');
  return row;
}
