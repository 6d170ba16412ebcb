/**
 * What an API key may do. `ingest` writes what a product system sends (customers, consents,
 * events); `read` reads what Cascade did (messages, outbox, consent history); `admin` manages keys
 * and implies every other scope, so the bootstrap key can do everything.
 */
import { z } from 'zod';
import { apiKeyScopes, type ApiKeyScope } from '../db/schema';

export { apiKeyScopes, type ApiKeyScope };

export function grants(scopes: readonly ApiKeyScope[], needed: ApiKeyScope): boolean {
  return scopes.includes('admin') || scopes.includes(needed);
}

/** At least one scope, each once, in the order of `apiKeyScopes` (so equal sets print alike). */
export const scopeListSchema = z
  .array(z.enum(apiKeyScopes))
  .min(1, 'give at least one of ingest, read, admin')
  .transform((scopes) => apiKeyScopes.filter((s) => scopes.includes(s)));
