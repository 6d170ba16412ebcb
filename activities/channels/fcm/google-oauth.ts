/**
 * OAuth access tokens for a Google service account: the JWT bearer grant (RFC 7523) the way Google
 * documents it for server-to-server apps. A JWT signed RS256 with the account's private key (`iss`
 * the account's email, `scope`, `aud` the account's `token_uri`, one hour of validity) is posted
 * to `token_uri`; the answer's token is kept until five minutes before it expires.
 *
 * Not google-auth-library: it posts to oauth2.googleapis.com whatever the key file's `token_uri`
 * says, so a key of another Google universe, or a test's fake endpoint, could never be used.
 */
import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const REFRESH_BEFORE_MS = 5 * 60_000;

const serviceAccountSchema = z.object({
  client_email: z.string().min(1),
  private_key: z.string().min(1),
  token_uri: z.url().default(GOOGLE_TOKEN_URI),
  project_id: z.string().min(1).optional(),
});
export type ServiceAccount = z.infer<typeof serviceAccountSchema>;

/**
 * A service account key from `setting` (its JSON, or a path to the file), under the name of the
 * variable that held it. Errors never quote the input: it holds the private key.
 */
export function parseServiceAccount(setting: string, variable: string): ServiceAccount {
  let text = setting;
  if (!setting.startsWith('{')) {
    try {
      text = readFileSync(setting, 'utf8');
    } catch (err) {
      throw new Error(`${variable}: cannot read the key file ${setting} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${variable} is not valid JSON`);
  }
  const parsed = serviceAccountSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${variable}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The signed assertion: what Google checks (signature by the account's key, iss, aud, scope, iat/exp). */
export function signedAssertion(account: ServiceAccount, scope: string, nowMs = Date.now()): string {
  const iat = Math.floor(nowMs / 1000);
  const input = `${base64url({ alg: 'RS256', typ: 'JWT' })}.${base64url({ iss: account.client_email, scope, aud: account.token_uri, iat, exp: iat + 3600 })}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(account.private_key, 'base64url')}`;
}

/** A function answering a valid access token for `scope`, minting one only when needed (one request at a time). */
export function serviceAccountTokens(account: ServiceAccount, scope: string, timeoutMs = 10_000): () => Promise<string> {
  let kept: { token: string; refreshAt: number } | undefined;
  let minting: Promise<string> | undefined;
  const mint = async (): Promise<string> => {
    const res = await fetch(account.token_uri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion: signedAssertion(account, scope) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (!res.ok || !body.access_token) {
      // Google's refusals are `{ error, error_description }` (invalid_grant: Invalid JWT Signature.): no secret in them.
      throw new Error(body.error ? `${body.error}: ${body.error_description ?? ''}`.trim() : `the token endpoint answered ${res.status}`);
    }
    kept = { token: body.access_token, refreshAt: Date.now() + (body.expires_in ?? 3600) * 1000 - REFRESH_BEFORE_MS };
    return body.access_token;
  };
  return async () => {
    if (kept && Date.now() < kept.refreshAt) return kept.token;
    minting ??= mint().finally(() => (minting = undefined));
    return minting;
  };
}
