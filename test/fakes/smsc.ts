/**
 * A fake SMSC.ru on 127.0.0.1 speaking the documented HTTP API (providers.md §2), reached by the real
 * adapter through SMSC_BASE_URL:
 * - `/sys/send.php` and `/sys/status.php`, GET query or POST form, `fmt=3` JSON, HTTP 200 always,
 *   errors as `{ error, error_code }` (plus `id` for 3, 6, 7, 8); login/psw or apikey checked (2);
 * - error 9 for a send identical to one accepted within the last 60 s (SMSC's only dedupe);
 * - error codes on demand (`failNextSends`), per phone (`failPhone`), and bad formats (7);
 * - status -3 for unknown messages and, like SMSC, for `statusLagMs` after acceptance; then
 *   -1 → 0 → final every `progressMs`, or whatever `setStatus` says;
 * - `holdNextAccepts`: record the message, then never answer (or drop the socket): a timeout after
 *   acceptance, the case SMSC has no idempotency key for;
 * - `storm`: until `recover()`, requests to send.php and status.php take outcomes in a rotation:
 *   an HTTP 500 or 503 from SMSC's front end, error 9 (too many concurrent requests: SMSC's way of
 *   saying slow down; it documents no HTTP 429 or Retry-After), no answer at all, or, for send.php,
 *   acceptance with no answer;
 * - `setStatus` with a callback URL configured POSTs the md5-signed delivery callback;
 * - `garbledStatus`: status.php answers chosen ids with garbage;
 * - `/sys/balance.php` answers `balance` (and `currency` with `cur=1`); `accountError` makes every
 *   script answer one error code, as SMSC does for a server IP off the allow-list (2) or blocked (4).
 * `messages` holds every accepted message: what the customer really got.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, readBody, type FakeServer } from './fake-server';

export interface FakeSms {
  id: number;
  phone: string;
  mes: string;
  sender?: string;
  acceptedAt: number;
  /** Set by setStatus; otherwise derived from the progression. */
  status?: number;
  err: number;
}

export type SmscStormOutcome = 'pass' | 'http-500' | 'http-503' | 'error-9' | 'hang' | 'accept-then-hang';

export interface FakeSmscOptions {
  login?: string;
  psw?: string;
  apikey?: string;
  statusLagMs?: number;
  /** Each step of -1 → 0 → final takes this long; without it a message waits at -1. */
  progressMs?: number;
  /** Where setStatus POSTs SMSC's delivery callback, and the account secret that signs it. */
  callback?: { url: string; secret: string };
  now?: () => number;
}

const ERROR_TEXT: Record<number, string> = {
  1: 'parameters error',
  2: 'authorise error',
  3: 'no money',
  4: 'IP is blocked',
  5: 'invalid date format',
  6: 'message is denied',
  7: 'invalid phone number format',
  8: 'message to the number cannot be delivered',
  9: 'duplicate request, wait a minute',
};
const ERRORS_WITH_ID = new Set([3, 6, 7, 8]);
const NOT_COMPARED = new Set(['login', 'psw', 'apikey', 'fmt', 'charset']);

export class FakeSmsc extends EventEmitter {
  readonly messages: FakeSms[] = [];
  readonly sendRequests: Array<Record<string, string>> = [];
  readonly statusRequests: Array<Record<string, string>> = [];
  readonly callbacksSent: Array<{ status: number; body: string }> = [];
  /** status.php answers these ids with an HTML error page instead of JSON (a proxy in the way). */
  readonly garbledStatus = new Set<number>();
  /** What balance.php answers, as SMSC does: a string with two decimals. */
  balance = 1000;
  /** Every request answers this error code (2: this server's IP is not on the account's allow-list; 4: IP blocked). */
  accountError: number | undefined;
  readonly balanceRequests: Array<Record<string, string>> = [];
  /** Messages accepted whose answer never reached the caller (held or stormed). */
  readonly unanswered: FakeSms[] = [];
  /** Requests a storm has answered with a failure so far. */
  stormed = 0;
  private storming: SmscStormOutcome[] = [];
  private http!: FakeServer;
  private failQueue: number[] = [];
  private phoneErrors = new Map<string, number>();
  private finalFor = new Map<string, { status: number; err: number }>();
  private holds: Array<'hang' | 'drop'> = [];
  private recent: Array<{ key: string; at: number }> = [];
  readonly now: () => number;

  constructor(private readonly options: FakeSmscOptions = {}) {
    super();
    this.now = options.now ?? Date.now;
  }

  static async start(options: FakeSmscOptions = { login: 'cascade', psw: 'secret' }): Promise<FakeSmsc> {
    const fake = new FakeSmsc(options);
    fake.http = await listen((req, res) => void fake.handle(req, res));
    return fake;
  }

  get url(): string {
    return this.http.url;
  }

  /** The env the real adapter needs to talk to this fake. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    const auth: Record<string, string> = this.options.apikey
      ? { SMSC_API_KEY: this.options.apikey }
      : { SMSC_LOGIN: this.options.login ?? '', SMSC_PASSWORD: this.options.psw ?? '' };
    return { SMSC_BASE_URL: this.url, ...auth, ...extra };
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** The next sends (any phone) answer these error codes, one each, in order. */
  failNextSends(...codes: number[]): void {
    this.failQueue.push(...codes);
  }

  /** Every send to this phone (digits) answers this error code. */
  failPhone(phone: string, code: number): void {
    this.phoneErrors.set(digits(phone), code);
  }

  /** Messages to this phone end in this final status (e.g. 22 wrong number) instead of 1. */
  finalStatusFor(phone: string, status: number, err = 0): void {
    this.finalFor.set(digits(phone), { status, err });
  }

  /** The next accepted sends are recorded and then never answered ('hang') or cut off ('drop'). */
  holdNextAccepts(mode: 'hang' | 'drop' = 'hang', times = 1): void {
    for (let i = 0; i < times; i++) this.holds.push(mode);
  }

  /** Until `recover()`, each send.php and status.php request takes the next outcome of this rotation. */
  storm(rotation: SmscStormOutcome[]): void {
    this.storming = [...rotation];
  }

  recover(): void {
    this.storming = [];
  }

  private nextStormOutcome(): SmscStormOutcome {
    const outcome = this.storming.shift();
    if (!outcome) return 'pass';
    this.storming.push(outcome);
    if (outcome !== 'pass') this.stormed++;
    return outcome;
  }

  async waitForMessages(n: number, timeoutMs = 30_000): Promise<FakeSms[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < n) {
      if (Date.now() > deadline) throw new Error(`fake SMSC: expected ${n} messages, have ${this.messages.length}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.messages;
  }

  find(id: number, phone: string): FakeSms | undefined {
    return this.messages.find((m) => m.id === id && m.phone === digits(phone));
  }

  statusOf(m: FakeSms): number {
    const age = this.now() - m.acceptedAt - (this.options.statusLagMs ?? 0);
    if (age < 0) return -3;
    if (m.status !== undefined) return m.status;
    const step = this.options.progressMs;
    if (step === undefined || age < step) return -1;
    if (age < 2 * step) return 0;
    return this.finalFor.get(m.phone)?.status ?? 1;
  }

  /**
   * Moves a message to a status; with a callback URL configured, SMSC's signed callback is POSTed
   * (unless `callback: false`, a callback that got lost).
   */
  async setStatus(id: number, phone: string, status: number, opts: { err?: number; callback?: boolean } = {}): Promise<Response | undefined> {
    const m = this.find(id, phone);
    if (!m) throw new Error(`fake SMSC: no message ${id} for that phone`);
    m.status = status;
    m.err = opts.err ?? 0;
    return this.callback && opts.callback !== false ? this.postCallback(m) : undefined;
  }

  private get callback() {
    return this.options.callback;
  }

  /** The form SMSC posts to the account's callback URL, signed md5(id:phone:status:secret). */
  callbackForm(m: FakeSms, secret = this.callback?.secret ?? ''): URLSearchParams {
    const status = String(this.statusOf(m));
    const md5 = createHash('md5').update(`${m.id}:${m.phone}:${status}:${secret}`).digest('hex');
    return new URLSearchParams({ id: String(m.id), phone: m.phone, status, err: String(m.err), time: String(Math.floor(this.now() / 1000)), md5 });
  }

  async postCallback(m: FakeSms, form = this.callbackForm(m)): Promise<Response> {
    const res = await fetch(this.callback!.url, { method: 'POST', body: form });
    this.callbacksSent.push({ status: res.status, body: form.toString() });
    return res;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const params: Record<string, string> = Object.fromEntries(url.searchParams);
    if (req.method === 'POST') Object.assign(params, Object.fromEntries(new URLSearchParams(await readBody(req))));
    const answer = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    const error = (code: number, id?: string) => answer({ error: ERROR_TEXT[code] ?? 'error', error_code: code, ...(ERRORS_WITH_ID.has(code) && id ? { id: Number(id) } : {}) });

    if (!['/sys/send.php', '/sys/status.php', '/sys/balance.php'].includes(url.pathname)) {
      res.writeHead(404).end('not found');
      return;
    }
    if (params.fmt !== '3') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ERROR = 1 (this fake speaks fmt=3 only)');
    if (this.accountError !== undefined) return error(this.accountError);
    if (!this.authorised(params)) return error(2);

    if (url.pathname === '/sys/balance.php') {
      this.balanceRequests.push(params);
      return answer({ balance: this.balance.toFixed(2), ...(params.cur === '1' ? { currency: 'RUR' } : {}) });
    }

    const storm = url.pathname === '/sys/balance.php' ? 'pass' : this.nextStormOutcome();
    if (storm === 'http-500' || storm === 'http-503') {
      return void res.writeHead(Number(storm.slice(5)), { 'content-type': 'text/html' }).end('<html>Service Unavailable</html>');
    }
    if (storm === 'error-9') return error(9);
    // No answer; for status.php "accepted" means nothing, so it hangs just the same.
    if (storm === 'hang' || (storm === 'accept-then-hang' && url.pathname !== '/sys/send.php')) return;

    if (url.pathname === '/sys/status.php') {
      this.statusRequests.push(params);
      if (!params.id || !params.phone) return error(1);
      if (this.garbledStatus.has(Number(params.id))) return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>502 Bad Gateway</html>');
      const m = this.find(Number(params.id), params.phone);
      const status = m ? this.statusOf(m) : -3;
      const at = m ? Math.floor(m.acceptedAt / 1000) : 0;
      return answer({ status, last_date: m ? smscDate(m.acceptedAt) : '', last_timestamp: at, flag: 0, err: m && status !== -3 ? m.err : 0 });
    }

    this.sendRequests.push(params);
    const id = params.id;
    if (params.charset !== 'utf-8' || !params.mes || !params.phones || (id !== undefined && !/^\d{1,10}$/.test(id))) return error(1, id);
    const phone = digits(params.phones);
    if (!/^\d{10,15}$/.test(phone) || /[,;]/.test(params.phones)) return error(7, id);
    const queued = this.failQueue.shift();
    if (queued !== undefined) return error(queued, id);
    const perPhone = this.phoneErrors.get(phone);
    if (perPhone !== undefined) return error(perPhone, id);

    const now = this.now();
    const key = JSON.stringify(Object.entries(params).filter(([k]) => !NOT_COMPARED.has(k)).sort());
    this.recent = this.recent.filter((r) => now - r.at < 60_000);
    if (this.recent.some((r) => r.key === key)) return error(9);
    this.recent.push({ key, at: now });

    const m: FakeSms = { id: Number(id ?? this.messages.length + 1), phone, mes: params.mes, sender: params.sender, acceptedAt: now, err: 0 };
    this.messages.push(m);
    this.emit('accepted', m);
    const hold = storm === 'accept-then-hang' ? 'hang' : this.holds.shift();
    if (hold) this.unanswered.push(m);
    if (hold === 'hang') return; // the socket stays open until the client gives up or close()
    if (hold === 'drop') return void req.socket.destroy();
    answer({ id: m.id, cnt: 1 });
  }

  private authorised(p: Record<string, string>): boolean {
    if (this.options.apikey) return p.apikey === this.options.apikey;
    return p.login === this.options.login && p.psw === this.options.psw;
  }
}

function digits(phone: string): string {
  return phone.replace(/\D/g, '');
}

function smscDate(ms: number): string {
  const d = new Date(ms + 3 * 3600_000); // SMSC answers in Moscow time
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}.${p(d.getUTCMonth() + 1)}.${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}
