/**
 * A fake Google OAuth 2.0 token endpoint on 127.0.0.1 for service accounts (the JWT bearer grant),
 * checking the assertion the way Google does: `grant_type` urn:ietf:params:oauth:grant-type:jwt-bearer,
 * a JWT with header alg RS256 whose signature verifies with the public key of the account named in
 * `iss`, `aud` this endpoint's URL, a `scope`, `iat` not in the future and `exp` at most an hour
 * after it and not passed. Refusals are Google's `{ error, error_description }` with status 400
 * (401 for an unknown account). `serviceAccount()` writes a key file whose `token_uri` points here,
 * with a key pair made on the spot; `issued` lists the tokens given out and for which scope.
 */
import { generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, readBody, type FakeServer } from './fake-server';

export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface ServiceAccountKey {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  token_uri: string;
}

export class FakeGoogleOAuth {
  readonly issued: Array<{ email: string; scope: string; token: string }> = [];
  readonly refusals: Array<{ error: string; description: string }> = [];
  private readonly keys = new Map<string, KeyObject>();
  private http!: FakeServer;

  static async start(): Promise<FakeGoogleOAuth> {
    const fake = new FakeGoogleOAuth();
    fake.http = await listen((req, res) => void fake.handle(req, res));
    return fake;
  }

  get tokenUri(): string {
    return `${this.http.url}/token`;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /**
   * A service account key file pointing here. `known: false` gives a key whose public half was
   * never registered (a deleted or foreign key): Google answers invalid_grant for it.
   */
  serviceAccount(projectId: string, opts: { known?: boolean; email?: string } = {}): ServiceAccountKey {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const email = opts.email ?? `cascade@${projectId}.iam.gserviceaccount.com`;
    if (opts.known !== false) this.keys.set(email, publicKey);
    return {
      type: 'service_account',
      project_id: projectId,
      private_key_id: randomBytes(20).toString('hex'),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: email,
      client_id: String(Date.now()),
      token_uri: this.tokenUri,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const refuse = (status: number, error: string, description: string) => {
      this.refusals.push({ error, description });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error, error_description: description }));
    };
    if (req.method !== 'POST' || req.url !== '/token') return refuse(404, 'not_found', 'Not found');
    if (!/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')) return refuse(400, 'invalid_request', 'Bad Request');
    if (form.get('grant_type') !== JWT_BEARER) return refuse(400, 'unsupported_grant_type', 'Invalid grant_type: ' + (form.get('grant_type') ?? ''));
    const parts = (form.get('assertion') ?? '').split('.');
    if (parts.length !== 3) return refuse(400, 'invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.');
    const [header, payload, signature] = parts as [string, string, string];
    let head: { alg?: string };
    let claims: { iss?: string; scope?: string; aud?: string; iat?: number; exp?: number };
    try {
      head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return refuse(400, 'invalid_grant', 'Invalid JWT.');
    }
    if (head.alg !== 'RS256') return refuse(400, 'invalid_grant', 'Invalid JWT: alg must be RS256');
    const key = claims.iss ? this.keys.get(claims.iss) : undefined;
    if (!key) return refuse(401, 'invalid_client', 'The OAuth client was not found.');
    if (!verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'))) {
      return refuse(400, 'invalid_grant', 'Invalid JWT Signature.');
    }
    if (claims.aud !== this.tokenUri) return refuse(400, 'invalid_grant', 'Invalid JWT: Failed audience check.');
    const now = Math.floor(Date.now() / 1000);
    const { iat, exp } = claims;
    if (typeof iat !== 'number' || typeof exp !== 'number' || iat > now + 60 || exp <= now || exp - iat > 3600) {
      return refuse(400, 'invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.');
    }
    if (!claims.scope) return refuse(400, 'invalid_scope', 'Empty or missing scope not allowed.');
    const token = `ya29.fake-${randomBytes(12).toString('base64url')}`;
    this.issued.push({ email: claims.iss!, scope: claims.scope, token });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ access_token: token, expires_in: 3599, token_type: 'Bearer' }));
  }
}
