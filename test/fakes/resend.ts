/**
 * A fake Resend API on 127.0.0.1 that speaks the documented wire format (providers.md §1), so the
 * real adapter (the `resend` SDK) is tested through RESEND_BASE_URL / baseUrl:
 * - `POST /emails`, `POST /emails/batch`, `GET /emails/:id`, Bearer auth, errors shaped exactly
 *   `{ statusCode, message, name }`;
 * - idempotency (same key + same body: the first id, nothing sent; other body: 409
 *   invalid_idempotent_request; still running: 409 concurrent_idempotent_requests), kept 24 h on
 *   an injectable clock;
 * - a token-bucket rate limit answering 429 rate_limit_exceeded with `retry-after`, a daily quota;
 * - switches that fail the next requests (500, 429, a dropped connection, accept-then-drop, or a
 *   request that never gets an answer, before or after acceptance), and `storm`, which keeps
 *   failing requests in a rotation of such ways until `recover()`;
 * - test addresses `delivered@`, `bounced@`, `complained@resend.dev` (labels like `bounced+x@`
 *   allowed) that later POST Svix-signed webhooks to the configured URL, and `emit()` for opens
 *   and clicks.
 * - `GET /domains` (paged: `limit`, `after`) and `GET /domains/:id` (providers.md §4) over `domains`,
 *   which `addDomain` fills with a domain and the SPF and DKIM records Resend would ask for.
 * `emails` holds every accepted email: what the customer really got.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface FakeEmail {
  id: string;
  from: string;
  to: string[];
  subject: string;
  html: string | null;
  text: string | null;
  headers: Record<string, string>;
  tags: Array<{ name: string; value: string }>;
  idempotencyKey: string | null;
  createdAt: string;
  lastEvent: string;
}

export interface FakeRequest {
  method: string;
  path: string;
  status: number;
  at: number;
  idempotencyKey: string | null;
}

export interface WebhookDelivery {
  svixId: string;
  type: string;
  emailId: string;
  body: string;
  headers: Record<string, string>;
  status: number | null;
}

/** 'hang': no answer ever (the caller times out), nothing sent; 'accept-then-hang': sent, no answer. */
export type Failure = 500 | 429 | 'network' | 'accept-then-drop' | 'hang' | 'accept-then-hang';

type RecordStatus = 'not_started' | 'pending' | 'verified' | 'failed' | 'temporary_failure';

export interface FakeDomainRecord {
  record: 'SPF' | 'DKIM';
  name: string;
  type: 'MX' | 'TXT' | 'CNAME';
  value: string;
  ttl: string;
  status: RecordStatus;
  priority?: number;
}

export interface FakeDomain {
  id: string;
  name: string;
  status: 'not_started' | 'pending' | 'verified' | 'partially_verified' | 'partially_failed' | 'failed';
  region: string;
  createdAt: string;
  records: FakeDomainRecord[];
}

export interface FakeResendOptions {
  apiKey?: string;
  /** Where webhooks go; none are sent without it (set later with `setWebhookUrl`). */
  webhookUrl?: string;
  webhookSecret?: string;
  /** Token bucket per second; null turns the limit off. Default 2/s, as providers.md says. */
  rateLimit?: { perSecond: number; burst?: number } | null;
  dailyQuota?: number;
  /** Clock for rate limit, quota and idempotency expiry (ms). */
  now?: () => number;
  /** How long an accepted request "runs" (a second one with its key meanwhile gets 409 concurrent). */
  processingMs?: number;
  /** Pause between one email's webhooks (sent → delivered → complained). */
  webhookGapMs?: number;
}

const KEY_TTL_MS = 24 * 3600_000;
const TAG = /^[A-Za-z0-9_-]{1,256}$/;

export class FakeResend {
  readonly apiKey: string;
  readonly webhookSecret: string;
  readonly emails: FakeEmail[] = [];
  readonly requests: FakeRequest[] = [];
  readonly deliveries: WebhookDelivery[] = [];
  readonly domains: FakeDomain[] = [];
  /** Emails accepted whose answer never reached the caller (accept-then-drop, accept-then-hang). */
  readonly unanswered: FakeEmail[] = [];
  /** Requests a storm has answered with a failure so far. */
  stormed = 0;
  url = '';
  /** Deliver an accepted email's webhooks before answering: the webhook beats the sender's own bookkeeping. */
  webhooksBeforeReply = false;
  private webhookUrl: string | undefined;
  private readonly failures: Failure[] = [];
  private storming: Array<Failure | 'pass'> = [];
  private readonly keys = new Map<string, { body: string; at: number; response?: { status: number; json: unknown } }>();
  private tokens: number;
  private refilledAt: number;
  private readonly now: () => number;
  private readonly server: Server;
  private pending = new Set<Promise<void>>();
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly opts: FakeResendOptions = {}) {
    this.apiKey = opts.apiKey ?? `re_fake_${randomBytes(8).toString('hex')}`;
    this.webhookSecret = opts.webhookSecret ?? `whsec_${randomBytes(24).toString('base64')}`;
    this.webhookUrl = opts.webhookUrl;
    this.now = opts.now ?? Date.now;
    this.tokens = this.bucket?.burst ?? this.bucket?.perSecond ?? 0;
    this.refilledAt = this.now();
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => reply(res, 500, 'internal_server_error', err.message));
    });
  }

  private get bucket() {
    return this.opts.rateLimit === undefined ? { perSecond: 2, burst: 2 } : this.opts.rateLimit;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  async close(): Promise<void> {
    await this.settle();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  setWebhookUrl(url: string | undefined): void {
    this.webhookUrl = url;
  }

  /** Resend is back: failures still queued by `failNext`, and any storm, are dropped. */
  recover(): void {
    this.failures.length = 0;
    this.storming = [];
  }

  /** Until `recover()`, each API request takes the next outcome of this rotation ('pass': served normally). */
  storm(rotation: Array<Failure | 'pass'>): void {
    this.storming = [...rotation];
  }

  private nextFailure(): Failure | undefined {
    const queued = this.failures.shift();
    if (queued !== undefined || !this.storming.length) return queued;
    const outcome = this.storming.shift()!;
    this.storming.push(outcome);
    if (outcome === 'pass') return undefined;
    this.stormed++;
    return outcome;
  }

  /** The next `n` API requests fail this way, in order after any already queued. */
  failNext(n: number, how: Failure): void {
    for (let i = 0; i < n; i++) this.failures.push(how);
  }

  /**
   * A domain as Resend shows it after "Add domain": SPF (MX + TXT on `send`) and DKIM, in the older
   * TXT form (`resend._domainkey`, with `dkimKey`) or the newer three CNAMEs to dkim.amazonses.com.
   * Everything verified unless `status` / `recordStatus` say otherwise.
   */
  addDomain(
    name: string,
    opts: { status?: FakeDomain['status']; recordStatus?: RecordStatus; region?: string; dkim?: 'txt' | 'cname'; dkimKey?: string } = {},
  ): FakeDomain {
    const region = opts.region ?? 'us-east-1';
    const status = opts.recordStatus ?? 'verified';
    const dkim: FakeDomainRecord[] =
      opts.dkim === 'cname'
        ? ['a1', 'b2', 'c3'].map((t) => ({ record: 'DKIM', name: `${t}token._domainkey`, type: 'CNAME', value: `${t}token.dkim.amazonses.com`, ttl: 'Auto', status }))
        : [{ record: 'DKIM', name: 'resend._domainkey', type: 'TXT', value: `p=${opts.dkimKey ?? 'MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDfake'}`, ttl: 'Auto', status }];
    const domain: FakeDomain = {
      id: randomUUID(),
      name,
      status: opts.status ?? 'verified',
      region,
      createdAt: new Date(this.now()).toISOString(),
      records: [
        { record: 'SPF', name: 'send', type: 'MX', value: `feedback-smtp.${region}.amazonses.com`, ttl: 'Auto', status, priority: 10 },
        { record: 'SPF', name: 'send', type: 'TXT', value: '"v=spf1 include:amazonses.com ~all"', ttl: 'Auto', status },
        ...dkim,
      ],
    };
    this.domains.push(domain);
    return domain;
  }

  emailsTo(address: string): FakeEmail[] {
    return this.emails.filter((e) => e.to.some((t) => t.toLowerCase() === address.toLowerCase()));
  }

  /** Waits until every webhook queued so far has been delivered (or given up). */
  async settle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  /** Sends one more email event (opened, clicked, delivered again…) for an accepted email. */
  emit(emailId: string, type: string, extra: Record<string, unknown> = {}): Promise<void> {
    const email = this.emails.find((e) => e.id === emailId);
    if (!email) throw new Error(`fake resend: no email ${emailId}`);
    return this.enqueue(email, [{ type, extra }]);
  }

  /** Svix headers for a body, as Resend signs them; tests forge bad ones by changing the inputs. */
  sign(body: string, opts: { svixId?: string; timestamp?: number; secret?: string } = {}): Record<string, string> {
    const svixId = opts.svixId ?? `msg_${randomBytes(12).toString('hex')}`;
    const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
    const key = Buffer.from((opts.secret ?? this.webhookSecret).replace(/^whsec_/, ''), 'base64');
    const signature = createHmac('sha256', key).update(`${svixId}.${timestamp}.${body}`).digest('base64');
    return { 'content-type': 'application/json', 'svix-id': svixId, 'svix-timestamp': timestamp, 'svix-signature': `v1,${signature}` };
  }

  /** The JSON Resend puts in a webhook for this email. */
  eventBody(email: FakeEmail, type: string, extra: Record<string, unknown> = {}): string {
    const createdAt = new Date(this.now()).toISOString();
    return JSON.stringify({
      type,
      created_at: createdAt,
      data: {
        email_id: email.id,
        message_id: `<${email.id}@fake.resend.dev>`,
        created_at: email.createdAt,
        from: email.from,
        to: email.to,
        subject: email.subject,
        tags: Object.fromEntries(email.tags.map((t) => [t.name, t.value])),
        ...extra,
      },
    });
  }

  /** POSTs one delivery again exactly as before: a replay. Returns Cascade's status. */
  async redeliver(delivery: WebhookDelivery): Promise<number> {
    const res = await fetch(this.webhookUrl!, { method: 'POST', headers: delivery.headers, body: delivery.body });
    return res.status;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const key = header(req, 'idempotency-key');
    const log = (status: number) => this.requests.push({ method: req.method ?? '', path: url.pathname, status, at: Date.now(), idempotencyKey: key });
    const send = (status: number, json: unknown, extraHeaders: Record<string, string> = {}) => {
      log(status);
      res.writeHead(status, { 'content-type': 'application/json', ...this.rateHeaders(), ...extraHeaders });
      res.end(JSON.stringify(json));
    };
    const fail = (status: number, name: string, message: string, extraHeaders: Record<string, string> = {}) =>
      send(status, { statusCode: status, message, name }, extraHeaders);
    const raw = await readBody(req);

    const auth = header(req, 'authorization');
    if (!auth) return fail(401, 'missing_api_key', 'Missing API key in the authorization header. Include the following header in the request: Authorization: Bearer YOUR_API_KEY');
    if (auth !== `Bearer ${this.apiKey}`) return fail(403, 'invalid_api_key', 'API key is invalid');

    const failure = this.nextFailure();
    if (failure === 'network') {
      log(0);
      res.socket?.destroy();
      return;
    }
    if (failure === 'hang') {
      log(0); // the caller gives up; close() drops the socket
      return;
    }
    if (failure === 500) return fail(500, 'internal_server_error', 'An unexpected error occurred.');
    if (failure === 429) return fail(429, 'rate_limit_exceeded', 'Too many requests. You can only make 2 requests per second.', { 'retry-after': '1' });

    if (!this.takeToken()) {
      return fail(429, 'rate_limit_exceeded', `Too many requests. You can only make ${this.bucket!.perSecond} requests per second.`, {
        'retry-after': String(Math.max(1, Math.ceil(1 / this.bucket!.perSecond))),
      });
    }

    const emailGet = /^\/emails\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && emailGet) {
      const email = this.emails.find((e) => e.id === emailGet[1]);
      if (!email) return fail(404, 'not_found', 'Email not found');
      return send(200, {
        object: 'email',
        id: email.id,
        from: email.from,
        to: email.to,
        cc: null,
        bcc: null,
        reply_to: null,
        subject: email.subject,
        html: email.html,
        text: email.text,
        created_at: email.createdAt,
        scheduled_at: null,
        last_event: email.lastEvent,
        tags: email.tags,
      });
    }
    if (req.method === 'GET' && url.pathname === '/domains') {
      const limit = Math.min(100, Math.max(1, Number(url.searchParams.get('limit') ?? 20)));
      const after = url.searchParams.get('after');
      const start = after ? this.domains.findIndex((d) => d.id === after) + 1 : 0;
      const page = this.domains.slice(start, start + limit);
      return send(200, { object: 'list', has_more: start + limit < this.domains.length, data: page.map((d) => domainJson(d)) });
    }
    const domainGet = /^\/domains\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && domainGet) {
      const domain = this.domains.find((d) => d.id === domainGet[1]);
      if (!domain) return fail(404, 'not_found', 'Domain not found');
      return send(200, { object: 'domain', ...domainJson(domain), records: domain.records });
    }
    const isBatch = url.pathname === '/emails/batch';
    if (url.pathname !== '/emails' && !isBatch) return fail(404, 'not_found', 'The requested endpoint does not exist.');
    if (req.method !== 'POST') return fail(405, 'method_not_allowed', 'Method is not allowed for the requested path.');

    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return fail(400, 'validation_error', 'Invalid JSON body');
    }
    const items = isBatch ? body : [body];
    if (!Array.isArray(items) || items.length < 1 || items.length > 100) {
      return fail(422, 'validation_error', 'The batch must contain between 1 and 100 emails.');
    }
    for (const item of items) {
      const problem = validate(item, isBatch);
      if (problem) return fail(problem.status, problem.name, problem.message);
    }

    if (key !== null) {
      if (key.length < 1 || key.length > 256) return fail(400, 'invalid_idempotency_key', 'The key must be between 1-256 chars.');
      const seen = this.keys.get(key);
      if (seen && this.now() - seen.at > KEY_TTL_MS) this.keys.delete(key);
      const known = this.keys.get(key);
      if (known) {
        if (known.body !== canonical(body)) {
          return fail(409, 'invalid_idempotent_request', 'Same idempotency key used with a different request payload. Change your idempotency key or payload.');
        }
        if (!known.response) {
          return fail(409, 'concurrent_idempotent_requests', 'Same idempotency key used while original request is still in progress. Try the request again later.');
        }
        return send(known.response.status, known.response.json);
      }
    }

    if (this.opts.dailyQuota !== undefined) {
      const dayAgo = this.now() - 24 * 3600_000;
      const used = this.emails.filter((e) => Date.parse(e.createdAt) > dayAgo).reduce((n, e) => n + e.to.length, 0);
      if (used >= this.opts.dailyQuota) return fail(429, 'daily_quota_exceeded', 'You have reached your daily email sending quota.');
    }

    const entry: { body: string; at: number; response?: { status: number; json: unknown } } = { body: canonical(body), at: this.now() };
    if (key !== null) this.keys.set(key, entry);
    if (this.opts.processingMs) await new Promise((r) => setTimeout(r, this.opts.processingMs));
    const accepted = (items as Array<Record<string, unknown>>).map((item) => this.accept(item, key));
    const json = isBatch ? { data: accepted.map((e) => ({ id: e.id })) } : { id: accepted[0]!.id };
    entry.response = { status: 200, json };
    const scheduled = accepted.map((email) => this.scheduleWebhooks(email));
    if (this.webhooksBeforeReply) await Promise.all(scheduled);

    if (failure === 'accept-then-drop' || failure === 'accept-then-hang') {
      log(0);
      this.unanswered.push(...accepted);
      if (failure === 'accept-then-drop') res.socket?.destroy();
      return;
    }
    send(200, json);
  }

  private accept(item: Record<string, unknown>, key: string | null): FakeEmail {
    const email: FakeEmail = {
      id: randomUUID(),
      from: String(item.from),
      to: ([] as string[]).concat(item.to as string | string[]),
      subject: String(item.subject),
      html: typeof item.html === 'string' ? item.html : null,
      text: typeof item.text === 'string' ? item.text : null,
      headers: (item.headers as Record<string, string> | undefined) ?? {},
      tags: (item.tags as FakeEmail['tags'] | undefined) ?? [],
      idempotencyKey: key,
      createdAt: new Date(this.now()).toISOString(),
      lastEvent: 'sent',
    };
    this.emails.push(email);
    return email;
  }

  private scheduleWebhooks(email: FakeEmail): Promise<void> {
    const mailbox = /^([a-z]+)(?:\+[^@]*)?@resend\.dev$/i.exec(email.to[0] ?? '')?.[1]?.toLowerCase();
    const script: Record<string, Array<{ type: string; extra?: Record<string, unknown> }>> = {
      delivered: [{ type: 'email.sent' }, { type: 'email.delivered' }],
      bounced: [
        { type: 'email.sent' },
        {
          type: 'email.bounced',
          extra: { bounce: { type: 'Permanent', subType: 'General', message: "The recipient's email address does not exist." } },
        },
      ],
      complained: [{ type: 'email.sent' }, { type: 'email.delivered' }, { type: 'email.complained' }],
    };
    const events = mailbox ? script[mailbox] : undefined;
    return events ? this.enqueue(email, events) : Promise.resolve();
  }

  /** One email's events go out in order, each after the previous one was answered. */
  private enqueue(email: FakeEmail, events: Array<{ type: string; extra?: Record<string, unknown> }>): Promise<void> {
    const previous = this.queues.get(email.id) ?? Promise.resolve();
    const next = previous.then(async () => {
      for (const { type, extra } of events) {
        await new Promise((r) => setTimeout(r, this.opts.webhookGapMs ?? 30));
        email.lastEvent = type.replace(/^email\./, '');
        await this.deliver(email, type, extra);
      }
    });
    this.queues.set(email.id, next);
    this.pending.add(next);
    void next.finally(() => this.pending.delete(next));
    return next;
  }

  /** At-least-once like Svix: a failed delivery is retried (quickly here) under the same svix-id. */
  private async deliver(email: FakeEmail, type: string, extra: Record<string, unknown> = {}): Promise<void> {
    if (!this.webhookUrl) return;
    const body = this.eventBody(email, type, extra);
    const svixId = `msg_${randomBytes(12).toString('hex')}`;
    for (let attempt = 0; attempt < 3; attempt++) {
      const headers = this.sign(body, { svixId });
      const delivery: WebhookDelivery = { svixId, type, emailId: email.id, body, headers, status: null };
      this.deliveries.push(delivery);
      try {
        const res = await fetch(this.webhookUrl, { method: 'POST', headers, body });
        delivery.status = res.status;
        await res.arrayBuffer();
        if (res.ok) return;
      } catch {
        /* Cascade unreachable: retry */
      }
      await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
    }
  }

  private takeToken(): boolean {
    const bucket = this.bucket;
    if (!bucket) return true;
    const burst = bucket.burst ?? bucket.perSecond;
    const now = this.now();
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) / 1000) * bucket.perSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private rateHeaders(): Record<string, string> {
    const bucket = this.bucket;
    if (!bucket) return {};
    return {
      'ratelimit-limit': String(bucket.perSecond),
      'ratelimit-remaining': String(Math.max(0, Math.floor(this.tokens))),
      'ratelimit-reset': '1',
    };
  }
}

export async function startFakeResend(opts: FakeResendOptions = {}): Promise<FakeResend> {
  return new FakeResend(opts).start();
}

function domainJson(d: FakeDomain) {
  return { id: d.id, name: d.name, status: d.status, created_at: d.createdAt, region: d.region, capabilities: { sending: 'enabled', receiving: 'disabled' } };
}

function validate(item: unknown, inBatch: boolean): { status: number; name: string; message: string } | undefined {
  const missing = (field: string) => ({ status: 422, name: 'missing_required_field', message: `Missing \`${field}\` field.` });
  if (!item || typeof item !== 'object' || Array.isArray(item)) return { status: 422, name: 'validation_error', message: 'The email must be an object.' };
  const e = item as Record<string, unknown>;
  if (!e.from) return missing('from');
  if (!/^(?:[^<>]*<)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/.test(String(e.from))) {
    return { status: 422, name: 'invalid_from_address', message: 'Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.' };
  }
  if (!e.to) return missing('to');
  const to = ([] as unknown[]).concat(e.to);
  if (to.length < 1 || to.length > 50) return { status: 422, name: 'validation_error', message: 'Invalid `to` field. Between 1 and 50 recipients are allowed.' };
  for (const address of to) {
    if (typeof address !== 'string' || !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(address)) {
      return { status: 422, name: 'validation_error', message: 'Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.' };
    }
    if (/@(example|test)\.com$/i.test(address)) {
      return { status: 422, name: 'validation_error', message: 'Invalid `to` field. Please use our testing email address instead of domains like `example.com`.' };
    }
  }
  if (e.subject === undefined || e.subject === null) return missing('subject');
  if (e.html === undefined && e.text === undefined && e.template === undefined) return missing('html');
  if (e.tags !== undefined) {
    if (!Array.isArray(e.tags)) return { status: 422, name: 'validation_error', message: 'Invalid `tags` field.' };
    for (const tag of e.tags as Array<{ name?: unknown; value?: unknown }>) {
      if (typeof tag?.name !== 'string' || !TAG.test(tag.name) || typeof tag.value !== 'string' || !TAG.test(tag.value)) {
        return { status: 422, name: 'validation_error', message: 'Tags should only contain ASCII letters, numbers, underscores, or dashes.' };
      }
    }
  }
  if (inBatch && (e.attachments !== undefined || e.scheduled_at !== undefined)) {
    return { status: 422, name: 'validation_error', message: 'Attachments and scheduling are not supported in batch sending.' };
  }
  return undefined;
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Key-order-independent JSON, so the same email serialised differently is still "the same payload". */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function reply(res: ServerResponse, status: number, name: string, message: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ statusCode: status, message, name }));
}
