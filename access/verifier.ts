/**
 * Who a bearer token belongs to. Environment keys (`CASCADE_API_KEYS`: the bootstrap and `npm start`
 * keys) are admin keys named by 8 hex of their digest. Stored keys are looked up by digest and kept
 * in memory for `cacheTtlMs`, so a request is not a database read: a key revoked elsewhere (another
 * API process, `npm run api-key revoke`) still works here until its entry expires; `forget` ends it
 * at once in this process. A well-formed token that matches no key is remembered as unknown for as
 * long, so a client retrying a wrong or revoked key costs one database read per `cacheTtlMs`, not one
 * per request (a key is random: none becomes valid later, except by being created, and a new key's
 * holder has never sent it before). Many different wrong keys are the failed-authentication limit's
 * to stop (api/limits/failed-auth.ts); the unknown ones kept are capped at `MAX_UNKNOWN_KEYS`.
 * `lastUsedAt` is written at most once per `touchEveryMs` per key.
 * `identityOf` names a key by its id alone (the dashboard's sessions keep no key): it asks the
 * database every time, so a revoke anywhere, or a key gone from CASCADE_API_KEYS, bites at once.
 */
import type { Db } from '../db/client';
import { activeApiKeyByDigest, activeApiKeyById, markApiKeyUsed } from '../db/queries/api-keys';
import { logger } from '../lib/logger';
import { digestOf, looksLikeStoredKey } from './key-secret';
import type { ApiKeyScope } from './scopes';

export interface ApiKeyIdentity {
  id: string;
  scopes: readonly ApiKeyScope[];
}

export interface KeyVerifier {
  verify(token: string): Promise<ApiKeyIdentity | undefined>;
  /** The key with this id if it is still valid: one of this process's environment keys, or a stored key not revoked. */
  identityOf(id: string): Promise<ApiKeyIdentity | undefined>;
  forget(id: string): void;
}

export const DEFAULT_KEY_CACHE_MS = 30_000;
/** About 1 MiB of digests: beyond it the oldest are dropped (a flood of distinct guesses cannot grow memory). */
export const MAX_UNKNOWN_KEYS = 10_000;

export function createKeyVerifier(opts: { db: Db; envKeys: readonly string[]; cacheTtlMs?: number; touchEveryMs?: number }): KeyVerifier {
  const { db } = opts;
  const cacheTtlMs = opts.cacheTtlMs ?? DEFAULT_KEY_CACHE_MS;
  const touchEveryMs = opts.touchEveryMs ?? 60_000;
  // Digests are compared by map lookup: timing reveals something about a digest of the guess,
  // which says nothing about any key.
  const envKeys = new Map<string, ApiKeyIdentity>(
    opts.envKeys.map((key) => {
      const digest = digestOf(key);
      return [digest, { id: digest.slice(0, 8), scopes: ['admin'] }];
    }),
  );
  const envById = new Map([...envKeys.values()].map((identity) => [identity.id, identity]));
  const cache = new Map<string, { identity: ApiKeyIdentity; expiresAt: number }>();
  /** Digest -> until when it is known to match no stored key; in insertion order, so the first is the oldest. */
  const unknown = new Map<string, number>();
  const touchedAt = new Map<string, number>();

  const touch = (id: string, now: number) => {
    if (now - (touchedAt.get(id) ?? 0) < touchEveryMs) return;
    touchedAt.set(id, now);
    markApiKeyUsed(db, id, new Date(now)).catch((err) => logger.warn({ err, keyId: id }, 'could not record api key use'));
  };

  return {
    async verify(token) {
      const digest = digestOf(token);
      const fromEnv = envKeys.get(digest);
      if (fromEnv) return fromEnv;
      if (!looksLikeStoredKey(token)) return undefined;
      const now = Date.now();
      const cached = cache.get(digest);
      let identity = cached && cached.expiresAt > now ? cached.identity : undefined;
      if (!identity) {
        cache.delete(digest);
        if ((unknown.get(digest) ?? 0) > now) return undefined;
        unknown.delete(digest);
        identity = await activeApiKeyByDigest(db, digest);
        if (!identity) {
          if (cacheTtlMs > 0) {
            if (unknown.size >= MAX_UNKNOWN_KEYS) unknown.delete(unknown.keys().next().value!);
            unknown.set(digest, now + cacheTtlMs);
          }
          return undefined;
        }
        if (cacheTtlMs > 0) cache.set(digest, { identity, expiresAt: now + cacheTtlMs });
      }
      touch(identity.id, now);
      return identity;
    },
    async identityOf(id) {
      const fromEnv = envById.get(id);
      if (fromEnv) return fromEnv;
      const identity = await activeApiKeyById(db, id);
      if (identity) touch(identity.id, Date.now());
      return identity;
    },
    forget(id) {
      for (const [digest, entry] of cache) if (entry.identity.id === id) cache.delete(digest);
    },
  };
}
