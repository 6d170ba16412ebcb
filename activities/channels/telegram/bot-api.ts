/**
 * The Telegram Bot API calls Cascade makes (core.telegram.org/bots/api), as a small fetch client: the
 * channel sends with it, the webhook route answers users with it, the doctor asks it about the bot.
 *
 * The bot token is part of every URL (`/bot<token>/<method>`), so no URL ever goes into an error
 * message or a log line: failures say the method and what went wrong, nothing else.
 *
 * Settings: CASCADE_TELEGRAM_BOT_TOKEN (the channel is off without it), CASCADE_TELEGRAM_API_URL
 * (default https://api.telegram.org; tests point it at the fake), CASCADE_TELEGRAM_BOT_USERNAME
 * (otherwise asked of getMe once, when the first link is made).
 */

export interface TelegramConfig {
  apiUrl: string;
  token: string;
  username?: string;
  timeoutMs: number;
}

export function telegramConfigFromEnv(env: NodeJS.ProcessEnv): TelegramConfig | undefined {
  const token = env.CASCADE_TELEGRAM_BOT_TOKEN?.trim();
  if (!token) return undefined;
  return {
    apiUrl: (env.CASCADE_TELEGRAM_API_URL?.trim() || 'https://api.telegram.org').replace(/\/+$/, ''),
    token,
    username: env.CASCADE_TELEGRAM_BOT_USERNAME?.trim().replace(/^@/, '') || undefined,
    timeoutMs: 10_000,
  };
}

/** What the API's Telegram routes need (api/routes/telegram.ts): the bot's client and the webhook's secret, or nothing unless both are set. */
export function telegramRoutesFromEnv(env: NodeJS.ProcessEnv): { api: BotApi; webhookSecret: string } | undefined {
  const config = telegramConfigFromEnv(env);
  const webhookSecret = env.CASCADE_TELEGRAM_WEBHOOK_SECRET?.trim();
  return config && webhookSecret ? { api: new BotApi(config), webhookSecret } : undefined;
}

/** Every Bot API answer: `{ ok: true, result }` or `{ ok: false, error_code, description, parameters }`. */
export type BotAnswer<T> =
  | { ok: true; result: T }
  | { ok: false; errorCode: number; description: string; retryAfterSeconds?: number };

export interface BotUser {
  id: number;
  username?: string;
}

export interface WebhookInfo {
  url: string;
  pending_update_count: number;
  last_error_message?: string;
  last_error_date?: number;
}

/** No answer at all (refused, reset, timed out): Telegram may or may not have acted on the call. */
export class BotApiUnreachableError extends Error {
  override name = 'BotApiUnreachableError';
}

export class BotApi {
  private username: Promise<string> | undefined;

  constructor(private readonly config: TelegramConfig) {}

  async call<T>(method: string, params: Record<string, unknown> = {}): Promise<BotAnswer<T>> {
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.config.apiUrl}/bot${this.config.token}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(params),
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      // The error's own text may quote the URL, and the URL holds the token: only its kind is said.
      throw new BotApiUnreachableError(`Telegram ${method} did not answer (${(err as Error).name})`);
    }
    const answer = safeJson(text) as { ok?: boolean; result?: T; error_code?: number; description?: string; parameters?: { retry_after?: number } } | undefined;
    if (answer?.ok === true) return { ok: true, result: answer.result as T };
    return {
      ok: false,
      errorCode: answer?.error_code ?? res.status,
      description: answer?.description ?? `HTTP ${res.status}`,
      retryAfterSeconds: answer?.parameters?.retry_after,
    };
  }

  sendMessage(chatId: string, text: string): Promise<BotAnswer<{ message_id: number }>> {
    return this.call('sendMessage', { chat_id: chatId, text });
  }

  getMe(): Promise<BotAnswer<BotUser>> {
    return this.call('getMe');
  }

  getWebhookInfo(): Promise<BotAnswer<WebhookInfo>> {
    return this.call('getWebhookInfo');
  }

  /** The bot's @username for t.me links: the setting, else getMe's answer (asked once; a failure is asked again next time). */
  botUsername(): Promise<string> {
    if (this.config.username) return Promise.resolve(this.config.username);
    this.username ??= this.getMe().then((answer) => {
      if (!answer.ok || !answer.result.username) throw new Error(`Telegram getMe failed: ${answer.ok ? 'no username' : `${answer.errorCode} ${answer.description}`}`);
      return answer.result.username;
    });
    this.username.catch(() => (this.username = undefined));
    return this.username;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
