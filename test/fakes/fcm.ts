/**
 * A fake FCM HTTP v1 on 127.0.0.1 (providers.md §3), reached by the real adapter through FCM_BASE_URL:
 * `POST /v1/projects/{project}/messages:send` with a Bearer token; success `{ name }`; errors in
 * Google's shape `{ error: { code, message, status, details: [{ '@type': …FcmError, errorCode }] } }`;
 * UNREGISTERED / invalid-token INVALID_ARGUMENT for chosen tokens; 503 UNAVAILABLE or 429
 * QUOTA_EXCEEDED with Retry-After on demand; 401 UNAUTHENTICATED (no FcmError) for a bad token.
 * `sent` holds every accepted message: what the devices really got. With `processingMs`, a push is
 * accepted (in `sent`) at once and answered that much later, so a sender killed meanwhile never
 * learns that it went: FCM has no idempotency key, and the retry reaches the device again.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, readBody, type FakeServer } from './fake-server';
import type { FakeGoogleOAuth } from './google-oauth';

export interface FakePush {
  name: string;
  token: string;
  notification?: { title?: string; body?: string };
  data?: Record<string, string>;
  /**
   * `android.collapse_key`, `android.notification.tag` and `apns.headers['apns-collapse-id']`: a later
   * push with the same tag or collapse id replaces this one in the notification drawer.
   */
  collapseKey?: string;
  androidTag?: string;
  apnsCollapseId?: string;
  /** When FCM took it (ms since the epoch). */
  receivedAt: number;
}

export interface FakeFcmOptions {
  projectId?: string;
  accessToken?: string;
  /** How long an accepted push waits for its answer. */
  processingMs?: number;
}

const FCM_ERROR = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';

export class FakeFcm {
  readonly sent: FakePush[] = [];
  readonly requests: Array<{ authorization?: string; body: string }> = [];
  readonly unregistered = new Set<string>();
  readonly invalid = new Set<string>();
  /** With it, a token that endpoint issued for the firebase.messaging scope is accepted too, as FCM accepts Google's. */
  private oauth: FakeGoogleOAuth | undefined;
  private outages: Array<{ status: 503 | 429; retryAfterS?: number }> = [];
  private http!: FakeServer;
  private counter = 0;

  private constructor(
    readonly projectId: string,
    readonly accessToken: string,
    private readonly processingMs: number,
  ) {}

  static async start(opts: FakeFcmOptions = {}): Promise<FakeFcm> {
    const fake = new FakeFcm(opts.projectId ?? 'cascade-test', opts.accessToken ?? 'ya29.fake-token', opts.processingMs ?? 0);
    fake.http = await listen((req, res) => void fake.handle(req, res));
    return fake;
  }

  get url(): string {
    return this.http.url;
  }

  env(): Record<string, string> {
    return { FCM_BASE_URL: this.url, FCM_PROJECT_ID: this.projectId, FCM_ACCESS_TOKEN: this.accessToken };
  }

  /** A service account key whose `token_uri` is the fake OAuth endpoint, instead of FCM_ACCESS_TOKEN. */
  serviceAccountEnv(oauth: FakeGoogleOAuth): Record<string, string> {
    this.oauth = oauth;
    return { FCM_BASE_URL: this.url, FCM_SERVICE_ACCOUNT_JSON: JSON.stringify(oauth.serviceAccount(this.projectId)) };
  }

  private authorized(header: string | undefined): boolean {
    if (header === `Bearer ${this.accessToken}`) return true;
    const token = header?.replace(/^Bearer /, '');
    return this.oauth?.issued.some((i) => i.token === token && i.scope.split(' ').includes('https://www.googleapis.com/auth/firebase.messaging')) ?? false;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** The next `times` sends answer 503 UNAVAILABLE (or 429 QUOTA_EXCEEDED) with this Retry-After. */
  failNext(times: number, opts: { status?: 503 | 429; retryAfterS?: number } = {}): void {
    for (let i = 0; i < times; i++) this.outages.push({ status: opts.status ?? 503, retryAfterS: opts.retryAfterS });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = Date.now();
    const raw = await readBody(req);
    this.requests.push({ authorization: req.headers.authorization, body: raw });
    const fail = (code: number, status: string, message: string, errorCode?: string, headers: Record<string, string> = {}, extra: object[] = []) => {
      res.writeHead(code, { 'content-type': 'application/json; charset=UTF-8', ...headers });
      res.end(JSON.stringify({ error: { code, message, status, details: [...(errorCode ? [{ '@type': FCM_ERROR, errorCode }] : []), ...extra] } }));
    };

    if (req.method !== 'POST' || req.url !== `/v1/projects/${this.projectId}/messages:send`) {
      return fail(404, 'NOT_FOUND', 'Requested entity was not found.');
    }
    if (!this.authorized(req.headers.authorization)) {
      return fail(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
    }
    const outage = this.outages.shift();
    if (outage) {
      const headers: Record<string, string> = outage.retryAfterS === undefined ? {} : { 'retry-after': String(outage.retryAfterS) };
      return outage.status === 503
        ? fail(503, 'UNAVAILABLE', 'The service is currently unavailable.', 'UNAVAILABLE', headers)
        : fail(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for quota metric.', 'QUOTA_EXCEEDED', headers);
    }
    let message:
      | { token?: unknown; notification?: FakePush['notification']; data?: Record<string, unknown>; android?: { collapse_key?: string; notification?: { tag?: string } }; apns?: { headers?: Record<string, string> } }
      | undefined;
    try {
      message = (JSON.parse(raw) as { message?: typeof message }).message;
    } catch {
      return fail(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    if (!message || typeof message.token !== 'string' || !message.token) {
      return fail(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', 'INVALID_ARGUMENT', {}, [
        { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'message', description: 'Recipient of the message is not set.' }] },
      ]);
    }
    if (message.data && Object.values(message.data).some((v) => typeof v !== 'string')) {
      return fail(400, 'INVALID_ARGUMENT', 'Invalid value at \'message.data\': values must be strings', 'INVALID_ARGUMENT', {}, [
        { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'message.data', description: 'Invalid value' }] },
      ]);
    }
    const apnsCollapseId = message.apns?.headers?.['apns-collapse-id'];
    if (apnsCollapseId !== undefined && Buffer.byteLength(apnsCollapseId) > 64) {
      return fail(400, 'INVALID_ARGUMENT', 'apns-collapse-id must not exceed 64 bytes', 'INVALID_ARGUMENT');
    }
    if (this.invalid.has(message.token)) {
      return fail(400, 'INVALID_ARGUMENT', 'The registration token is not a valid FCM registration token', 'INVALID_ARGUMENT');
    }
    if (this.unregistered.has(message.token)) return fail(404, 'NOT_FOUND', 'Requested entity was not found.', 'UNREGISTERED');

    const name = `projects/${this.projectId}/messages/0:${Date.now()}${++this.counter}%fake`;
    this.sent.push({
      name,
      token: message.token,
      notification: message.notification,
      data: message.data as Record<string, string>,
      collapseKey: message.android?.collapse_key,
      androidTag: message.android?.notification?.tag,
      apnsCollapseId,
      receivedAt,
    });
    if (this.processingMs) await new Promise((r) => setTimeout(r, this.processingMs));
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify({ name }));
  }
}
