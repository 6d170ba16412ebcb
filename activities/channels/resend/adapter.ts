/**
 * Email through Resend (the `resend` SDK). Every attempt of one message carries the same
 * Idempotency-Key and the same body, so a retry after a timeout or a crash returns the first
 * email's id instead of sending a second one. The ledger id rides along as a tag so the webhooks
 * find the row. The SDK never throws on HTTP errors: its `{ error }` is classified here, per
 * providers.md §1.5, into retry-later (Transient) and never (Permanent).
 */
import { createHash } from 'node:crypto';
import { Resend } from 'resend';
import { retryAfterMs } from '../retry';
import { PermanentSendError, ProviderAccountError, TransientSendError, type ChannelAdapter, type Delivery, type OutgoingMessage } from '../types';

export interface ResendOptions {
  apiKey: string;
  /** "Shop <news@shop.example>", a sender on a domain verified in Resend. */
  from: string;
  /** Without a trailing slash; defaults to RESEND_BASE_URL, then https://api.resend.com (SDK rules). */
  baseUrl?: string;
  /** The SDK has no timeout of its own; an aborted request is retried under the same key. */
  timeoutMs?: number;
}

interface ResendError {
  statusCode?: number | null;
  name?: string;
  message?: string;
}

/** Resend keeps keys of 1–256 characters; longer ones (long customer ids) are hashed, stably. */
export function resendIdempotencyKey(key: string): string {
  return key.length <= 256 ? key : `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

export function resendChannel(opts: ResendOptions): ChannelAdapter {
  const client = new Resend(opts.apiKey, opts.baseUrl ? { baseUrl: opts.baseUrl } : undefined);
  const timeoutMs = opts.timeoutMs ?? 30_000;

  return {
    provider: 'resend',
    async send(message: OutgoingMessage): Promise<Delivery> {
      const headers: Record<string, string> = {};
      if (!message.transactional && message.unsubscribeUrl) {
        // RFC 8058 one-click: mail clients POST `List-Unsubscribe=One-Click` to this URL.
        headers['List-Unsubscribe'] = `<${message.unsubscribeUrl}>`;
        headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
      }
      const email = {
        from: opts.from,
        to: [message.to],
        subject: message.subject ?? '',
        html: message.body,
        tags: [{ name: 'message_id', value: String(message.messageId) }],
        ...(Object.keys(headers).length ? { headers } : {}),
      };
      const options = { idempotencyKey: resendIdempotencyKey(message.idempotencyKey), signal: AbortSignal.timeout(timeoutMs) };
      const { data, error, headers: responseHeaders } = await client.emails.send(email, options).catch((err: Error) => {
        // The SDK rethrows only an abort that hits while it reads an error body: outcome unknown, retry.
        throw new TransientSendError(`Resend request aborted: ${err.message}`);
      });
      if (data) return { provider: 'resend', providerMessageId: data.id };
      throw classify((error ?? {}) as ResendError, responseHeaders);
    },
  };
}

export function classify(error: ResendError, headers: Record<string, string> | null | undefined): Error {
  const status = typeof error.statusCode === 'number' ? error.statusCode : null;
  const name = error.name ?? 'unknown_error';
  const detail = `Resend ${status ?? 'network'} ${name}: ${error.message ?? 'no message'}`;

  // No status: the request never got an answer. It may have been accepted; the same key tells.
  if (status === null) return new TransientSendError(detail);
  if (status >= 500) return new TransientSendError(detail);
  if (status === 429) {
    if (name === 'daily_quota_exceeded' || name === 'monthly_quota_exceeded') {
      return new ProviderAccountError(`${detail} (the sending quota is used up until it resets; raise the plan or wait)`, 'quota');
    }
    return new TransientSendError(detail, retryAfterMs(headers?.['retry-after'] ?? null));
  }
  if (status === 409 && name === 'concurrent_idempotent_requests') {
    return new TransientSendError(detail, retryAfterMs(headers?.['retry-after'] ?? null) ?? 1000);
  }
  if (status === 409) {
    return new PermanentSendError(`${detail} (this idempotency key was used with a different email; the ledger row changed under it)`);
  }
  if (status === 401 || status === 403) return new ProviderAccountError(`${detail} (check RESEND_API_KEY and the sending domain)`, 'auth');
  if (status === 422 && /`to`|\bto\b field|recipient/i.test(error.message ?? '')) return new PermanentSendError(detail, true);
  return new PermanentSendError(detail);
}

/** Resend when RESEND_API_KEY is set (then RESEND_FROM is required); otherwise undefined. */
export function resendFromEnv(env: NodeJS.ProcessEnv): ChannelAdapter | undefined {
  const apiKey = env.RESEND_API_KEY?.trim();
  if (!apiKey) return undefined;
  const from = env.RESEND_FROM?.trim();
  if (!from) throw new Error('RESEND_FROM is required with RESEND_API_KEY (a sender on a verified domain, e.g. "Shop <news@shop.example>")');
  return resendChannel({ apiKey, from, baseUrl: env.RESEND_BASE_URL?.trim() || undefined });
}
