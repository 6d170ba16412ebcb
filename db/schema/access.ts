/** Who may call: stored API keys and dashboard sessions. */
import { index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt } from './columns';

export const apiKeyScopes = ['ingest', 'read', 'admin'] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

/**
 * API keys, stored as SHA-256 digests of the key (keys are long random strings, so a fast digest
 * is enough; the key itself is shown once, when it is created). The id names the key in logs and
 * audit rows.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** Hex SHA-256 of the whole key. */
    digest: text('digest').notNull(),
    scopes: jsonb('scopes').$type<ApiKeyScope[]>().notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('api_keys_digest_idx').on(t.digest)],
);

/**
 * Dashboard sign-ins (access/dashboard-sessions.ts): the browser holds a random session id, this
 * table only its SHA-256. `key_id` is the key signed in with (a stored key's id, or an environment
 * key's digest-based id, which is why it references nothing): revoking or removing that key ends the
 * session at its next request.
 */
export const dashboardSessions = pgTable(
  'dashboard_sessions',
  {
    /** Hex SHA-256 of the session id in the cookie. */
    digest: text('digest').primaryKey(),
    keyId: text('key_id').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('dashboard_sessions_key_idx').on(t.keyId), index('dashboard_sessions_expires_idx').on(t.expiresAt)],
);
