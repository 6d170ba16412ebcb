/**
 * SMS through SMSC.ru's HTTP API (smsc.ru/api/http), as a small fetch adapter: no maintained npm
 * client exists (see /work/shared/providers.md §2).
 *
 * SMSC has no idempotency key. Our ledger id goes with every send as SMSC's client `id`, and a retry
 * (a send whose ledger row an earlier attempt wrote, which is also what follows a timeout, a dropped
 * connection or a worker killed mid-send) first asks
 * status.php about that id and phone: -3 means SMSC never saw it and it is safe to send; anything
 * else means the earlier attempt got through, and that is the answer. SMSC may report -3 for a few
 * seconds after accepting a message; its own rule that refuses an identical send within 60 s
 * (error 9) covers that gap, and the next retry's status check then finds the message.
 *
 * Settings: SMSC_LOGIN + SMSC_PASSWORD, or SMSC_API_KEY; SMSC_SENDER (optional registered sender
 * id); SMSC_BASE_URL (default https://smsc.ru; tests point it at the fake); SMSC_TIMEOUT_MS.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { logger } from '../../../lib/logger';
import { backoffMs } from '../../../lib/backoff';
import { currentAttempt } from '../retry';
import { PermanentSendError, ProviderAccountError, TransientSendError, type ChannelAdapter, type Delivery, type OutgoingMessage } from '../types';

export interface SmscConfig {
  baseUrl: string;
  credentials: { login: string; psw: string } | { apikey: string };
  sender?: string;
  timeoutMs: number;
}

export function smscConfigFromEnv(env: NodeJS.ProcessEnv): SmscConfig | undefined {
  const credentials = env.SMSC_API_KEY
    ? { apikey: env.SMSC_API_KEY }
    : env.SMSC_LOGIN && env.SMSC_PASSWORD
      ? { login: env.SMSC_LOGIN, psw: env.SMSC_PASSWORD }
      : undefined;
  if (!credentials) return undefined;
  return {
    baseUrl: (env.SMSC_BASE_URL ?? 'https://smsc.ru').replace(/\/+$/, ''),
    credentials,
    sender: env.SMSC_SENDER || undefined,
    timeoutMs: Number(env.SMSC_TIMEOUT_MS ?? 15_000),
  };
}

/** SMSC's `fmt=3` answer: a result, or `{ error, error_code }` (HTTP 200 either way). */
type SmscAnswer = Record<string, unknown> & { error?: string; error_code?: number };

export interface SmscStatus {
  /** -3 not found, -1 waiting, 0 at the operator, 1 delivered, 3/20/22/23/24/25 final failures… */
  status: number;
  err: number;
}

/** Status codes after which nothing more will happen to the message. */
export const SMSC_FINAL_STATUSES = new Set([1, 3, 20, 22, 23, 24, 25]);

/** The SMSC calls Cascade makes: send and status by the channel, status also by the poller, balance by the doctor. */
export class SmscApi {
  constructor(private readonly config: SmscConfig) {}

  private async call(script: 'send.php' | 'status.php' | 'balance.php', params: Record<string, string>): Promise<SmscAnswer> {
    // POST form, never query: the credentials must not end up in URLs and access logs.
    const body = new URLSearchParams({ ...this.config.credentials, ...params, fmt: '3', charset: 'utf-8' });
    let res: Response;
    try {
      res = await fetch(`${this.config.baseUrl}/sys/${script}`, { method: 'POST', body, signal: AbortSignal.timeout(this.config.timeoutMs) });
    } catch (err) {
      throw new SmscUnreachableError(`SMSC ${script} did not answer (${(err as Error).name})`);
    }
    if (!res.ok) throw new TransientSendError(`SMSC ${script} answered HTTP ${res.status}`);
    let answer: unknown;
    try {
      answer = JSON.parse(await res.text());
    } catch (err) {
      if ((err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError') {
        throw new SmscUnreachableError(`SMSC ${script} did not finish its answer (${(err as Error).name})`);
      }
      throw new TransientSendError(`SMSC ${script} answered something other than JSON`);
    }
    if (!answer || typeof answer !== 'object') throw new TransientSendError(`SMSC ${script} answered ${typeof answer}`);
    return answer as SmscAnswer;
  }

  async send(id: number, phoneDigits: string, text: string): Promise<SmscAnswer> {
    return this.call('send.php', {
      id: String(id),
      phones: phoneDigits,
      mes: text,
      ...(this.config.sender ? { sender: this.config.sender } : {}),
    });
  }

  /** Throws TransientSendError or PermanentSendError when SMSC answers with an error code. */
  async status(id: number, phoneDigits: string): Promise<SmscStatus> {
    const answer = await this.call('status.php', { id: String(id), phone: phoneDigits });
    if (answer.error_code !== undefined) throw smscError('status.php', answer, currentAttempt());
    if (typeof answer.status !== 'number') throw new TransientSendError('SMSC status.php answer has no status');
    return { status: answer.status, err: typeof answer.err === 'number' ? answer.err : 0 };
  }

  /** The account's balance: costs nothing, and answers error 2 for bad credentials or an IP not on the allow-list. */
  async balance(): Promise<{ balance: number; currency?: string } | { errorCode: number; error: string }> {
    const answer = await this.call('balance.php', { cur: '1' });
    if (answer.error_code !== undefined) return { errorCode: Number(answer.error_code), error: String(answer.error ?? '') };
    const balance = Number(answer.balance);
    if (!Number.isFinite(balance)) throw new TransientSendError('SMSC balance.php answer has no balance');
    return { balance, currency: typeof answer.currency === 'string' ? answer.currency : undefined };
  }
}

/** No answer at all (timeout, refused, reset): SMSC may or may not have the message. */
export class SmscUnreachableError extends TransientSendError {
  override name = 'SmscUnreachableError';
}

/** Error codes per smsc.ru/api/http/send/sms/sms_answer/ (providers.md §2.1). */
function smscError(script: string, answer: SmscAnswer, attempt: number): Error {
  const code = Number(answer.error_code);
  const what = `SMSC ${script} error ${code}: ${answer.error ?? 'no text'}`;
  switch (code) {
    case 7: // bad phone number format
    case 8: // cannot be delivered to this number
      return new PermanentSendError(what, true);
    case 2: // bad login/password or IP not allowed
      return new ProviderAccountError(what, 'auth');
    case 3: // insufficient funds
      return new ProviderAccountError(what, 'quota');
    case 1: // bad parameters
    case 5: // bad date format
    case 6: // message forbidden (text or sender name)
      return new PermanentSendError(what);
    case 4: // IP blocked for a while after erroneous requests
      return new TransientSendError(what, backoffMs(attempt, 30_000));
    case 9: // identical request within a minute, or too many concurrent requests
      return new TransientSendError(what, backoffMs(attempt, 65_000));
    default:
      return new TransientSendError(what);
  }
}

export class SmscChannel implements ChannelAdapter {
  readonly provider = 'smsc';
  private readonly api: SmscApi;

  constructor(config: SmscConfig) {
    this.api = new SmscApi(config);
  }

  async send(message: OutgoingMessage): Promise<Delivery> {
    const phone = parsePhoneNumberFromString(message.to);
    if (!phone?.isValid()) throw new PermanentSendError('not a valid phone number', true);
    const digits = phone.number.slice(1);
    const delivery: Delivery = { provider: this.provider, providerMessageId: String(message.messageId) };
    const attempt = currentAttempt();

    if (message.attemptedBefore || attempt > 1) {
      const { status } = await this.api.status(message.messageId, digits);
      if (status !== -3) {
        logger.info({ messageId: message.messageId, attempt, smscStatus: status }, 'SMSC already has this message; not sending it again');
        return delivery;
      }
    }

    const answer = await this.api.send(message.messageId, digits, message.body);
    if (answer.error_code !== undefined) {
      const code = Number(answer.error_code);
      // Every SMS fails until someone fixes the account: say so where ops look, not only in the ledger.
      if (code === 2 || code === 3) logger.error({ messageId: message.messageId, smscError: code }, 'SMSC refuses our account (bad login/IP, or no funds)');
      throw smscError('send.php', answer, attempt);
    }
    if (Number(answer.id) !== message.messageId) {
      // Accepted, but under another id: our status checks would never find it. Say so loudly.
      logger.error({ messageId: message.messageId, smscId: answer.id }, 'SMSC accepted the message under an unexpected id');
    }
    return delivery;
  }
}
