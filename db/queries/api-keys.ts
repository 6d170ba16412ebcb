/** Rows of `api_keys`. The digest never leaves this file except as a lookup argument. */
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { ApiKeyScope } from '../schema';
import { apiKeys } from '../schema';
import type { Db } from '../client';

const listed = {
  id: apiKeys.id,
  name: apiKeys.name,
  scopes: apiKeys.scopes,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
  revokedAt: apiKeys.revokedAt,
};

export type ListedApiKey = { id: string; name: string; scopes: ApiKeyScope[]; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null };

export async function insertApiKey(db: Db, row: { id: string; name: string; digest: string; scopes: ApiKeyScope[] }): Promise<ListedApiKey> {
  const [inserted] = await db.insert(apiKeys).values(row).returning(listed);
  return inserted!;
}

export async function listApiKeys(db: Db): Promise<ListedApiKey[]> {
  return db.select(listed).from(apiKeys).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
}

/** The key with this digest, unless it was revoked. */
export async function activeApiKeyByDigest(db: Db, digest: string): Promise<{ id: string; scopes: ApiKeyScope[] } | undefined> {
  const [row] = await db
    .select({ id: apiKeys.id, scopes: apiKeys.scopes })
    .from(apiKeys)
    .where(and(eq(apiKeys.digest, digest), isNull(apiKeys.revokedAt)));
  return row;
}

/** The key with this id, unless it was revoked. */
export async function activeApiKeyById(db: Db, id: string): Promise<{ id: string; scopes: ApiKeyScope[] } | undefined> {
  const [row] = await db
    .select({ id: apiKeys.id, scopes: apiKeys.scopes })
    .from(apiKeys)
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
  return row;
}

/** Revokes once: a second revoke keeps the first time. Undefined when no key has this id. */
export async function revokeApiKey(db: Db, id: string, at = new Date()): Promise<ListedApiKey | undefined> {
  await db.update(apiKeys).set({ revokedAt: at }).where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
  const [row] = await db.select(listed).from(apiKeys).where(eq(apiKeys.id, id));
  return row;
}

export async function markApiKeyUsed(db: Db, id: string, at: Date): Promise<void> {
  await db.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, id));
}
