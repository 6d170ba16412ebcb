/**
 * A fake Telegram Bot API on 127.0.0.1, reached by the real client through CASCADE_TELEGRAM_API_URL:
 * `POST /bot<token>/<method>` with a JSON body, answers `{ ok, result }` or `{ ok: false, error_code,
 * description, parameters }` with the matching HTTP status, as api.telegram.org does:
 * - a token other than the bot's: 401 Unauthorized, for every method;
 * - sendMessage: recorded in `messages` (what users really got); `rateLimitNext(seconds)` answers the
 *   next sends 429 with `parameters.retry_after`; `block(chatId)` answers 403 "Forbidden: bot was
 *   blocked by the user" for that chat, as after the user blocked the bot;
 * - getMe; setWebhook (url, secret_token) and getWebhookInfo (url, pending_update_count,
 *   last_error_message after a delivery the webhook refused);
 * - `deliver(update)`: posts an Update to the registered webhook with its secret, as Telegram does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, readBody, type FakeServer } from './fake-server';

export interface FakeTelegramMessage {
  chatId: string;
  text: string;
  messageId: number;
  at: number;
}

export class FakeTelegram {
  readonly token = '123456:fake-bot-token-ABCdef_0123456789';
  readonly username = 'cascade_shop_bot';
  readonly messages: FakeTelegramMessage[] = [];
  /** Every sendMessage asked, answered or refused, with when it came. */
  readonly sendAttempts: Array<{ chatId: string; at: number; status: number }> = [];
  /** The registered webhook, as setWebhook left it. */
  webhook: { url: string; secretToken: string | undefined } = { url: '', secretToken: undefined };
  lastErrorMessage: string | undefined;
  private http!: FakeServer;
  private rateLimits: number[] = [];
  private blocked = new Set<string>();

  static async start(): Promise<FakeTelegram> {
    const fake = new FakeTelegram();
    fake.http = await listen((req, res) => void fake.handle(req, res));
    return fake;
  }

  get url(): string {
    return this.http.url;
  }

  /** The env the real client needs to talk to this fake as this bot. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return { CASCADE_TELEGRAM_API_URL: this.url, CASCADE_TELEGRAM_BOT_TOKEN: this.token, ...extra };
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** The next `times` sends answer 429 with retry_after `seconds`. */
  rateLimitNext(seconds: number, times = 1): void {
    for (let i = 0; i < times; i++) this.rateLimits.push(seconds);
  }

  /** The user of this chat blocked the bot: sends to it answer 403. */
  block(chatId: string | number): void {
    this.blocked.add(String(chatId));
  }

  to(chatId: string | number): FakeTelegramMessage[] {
    return this.messages.filter((m) => m.chatId === String(chatId));
  }

  async waitForMessages(chatId: string | number, n: number, timeoutMs = 30_000): Promise<FakeTelegramMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.to(chatId).length < n) {
      if (Date.now() > deadline) throw new Error(`fake Telegram: expected ${n} messages to ${chatId}, have ${this.to(chatId).length}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.to(chatId);
  }

  /** Posts the Update to the registered webhook as Telegram does; `secret` overrides the registered one (null: no header). */
  async deliver(update: Record<string, unknown>, secret: string | null = this.webhook.secretToken ?? null): Promise<Response> {
    if (!this.webhook.url) throw new Error('fake Telegram: no webhook registered');
    const res = await fetch(this.webhook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(secret !== null ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
      body: JSON.stringify(update),
    });
    this.lastErrorMessage = res.ok ? undefined : `Wrong response from the webhook: ${res.status} ${res.statusText}`;
    return res;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
    const raw = await readBody(req);
    const params = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    const answer = (status: number, body: Record<string, unknown>) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const refuse = (status: number, description: string, extra: Record<string, unknown> = {}) => answer(status, { ok: false, error_code: status, description, ...extra });
    if (!match) return refuse(404, 'Not Found');
    if (match[1] !== this.token) return refuse(401, 'Unauthorized');
    switch (match[2]) {
      case 'getMe':
        return answer(200, { ok: true, result: { id: 123456, is_bot: true, first_name: 'Cascade Shop', username: this.username } });
      case 'setWebhook':
        this.webhook = { url: String(params.url ?? ''), secretToken: params.secret_token === undefined ? undefined : String(params.secret_token) };
        return answer(200, { ok: true, result: true, description: 'Webhook was set' });
      case 'getWebhookInfo':
        return answer(200, {
          ok: true,
          result: {
            url: this.webhook.url,
            has_custom_certificate: false,
            pending_update_count: 0,
            ...(this.lastErrorMessage ? { last_error_date: Math.floor(Date.now() / 1000), last_error_message: this.lastErrorMessage } : {}),
          },
        });
      case 'sendMessage': {
        const chatId = String(params.chat_id);
        const refused = (status: number, description: string, extra: Record<string, unknown> = {}) => {
          this.sendAttempts.push({ chatId, at: Date.now(), status });
          refuse(status, description, extra);
        };
        const wait = this.rateLimits.shift();
        if (wait !== undefined) return refused(429, `Too Many Requests: retry after ${wait}`, { parameters: { retry_after: wait } });
        if (this.blocked.has(chatId)) return refused(403, 'Forbidden: bot was blocked by the user');
        if (typeof params.text !== 'string' || !params.text) return refused(400, 'Bad Request: message text is empty');
        const message = { chatId, text: params.text, messageId: this.messages.length + 1, at: Date.now() };
        this.messages.push(message);
        this.sendAttempts.push({ chatId, at: message.at, status: 200 });
        return answer(200, { ok: true, result: { message_id: message.messageId, chat: { id: Number(chatId), type: 'private' }, date: Math.floor(message.at / 1000), text: message.text } });
      }
      default:
        return refuse(404, 'Not Found: method not found');
    }
  }
}
