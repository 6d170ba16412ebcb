/**
 * The webhook channel: a JSON message POSTed to a configured URL (a wallet app, anything), signed
 * the Standard Webhooks way (standardwebhooks.com: `webhook-id`, `webhook-timestamp`,
 * `webhook-signature`), so the receiver can verify it with any Standard Webhooks library. The
 * `webhook-id` is the send's idempotency key, stable across our retries, for the receiver to dedupe.
 *
 * Settings: CASCADE_WEBHOOK_URL (the target, passed by the pipeline as the address) and
 * CASCADE_WEBHOOK_SECRET (`whsec_` + base64 key, as Standard Webhooks libraries generate it).
 */
import { Webhook } from 'standardwebhooks';
import { retryAfterMs } from './retry';
import { PermanentSendError, TransientSendError, type ChannelAdapter, type Delivery, type OutgoingMessage } from './types';

/** What we read of the target's answer: only its status counts, and a target may answer without end. */
export const MAX_ANSWER_BYTES = 4 * 1024;

export interface WebhookConfig {
  secret: string;
  timeoutMs: number;
}

export interface WebhookPayload {
  messageId: number;
  idempotencyKey: string;
  customerId: string;
  template: string;
  subject: string | null;
  body: string;
  sentAt: string;
}

export class WebhookChannel implements ChannelAdapter {
  readonly provider = 'webhook';
  private readonly signer: Webhook;

  constructor(private readonly config: WebhookConfig) {
    this.signer = new Webhook(config.secret);
  }

  async send(message: OutgoingMessage): Promise<Delivery> {
    let url: URL;
    try {
      url = new URL(message.to);
    } catch {
      throw new PermanentSendError('the webhook URL is not a valid URL');
    }
    const now = new Date();
    const payload: WebhookPayload = {
      messageId: message.messageId,
      idempotencyKey: message.idempotencyKey,
      customerId: message.customerId,
      template: message.template,
      subject: message.subject,
      body: message.body,
      sentAt: now.toISOString(),
    };
    const raw = JSON.stringify(payload);
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': message.idempotencyKey,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': this.signer.sign(message.idempotencyKey, now, raw),
        },
        body: raw,
        // A redirect would carry a signed message somewhere nobody configured.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
      await readAtMost(res, MAX_ANSWER_BYTES);
    } catch (err) {
      throw new TransientSendError(`webhook target did not answer (${(err as Error).name})`);
    }
    const what = `webhook target answered HTTP ${res.status}`;
    if (res.status >= 200 && res.status < 300) return { provider: this.provider, providerMessageId: message.idempotencyKey };
    if (res.status === 408 || res.status === 429 || res.status >= 500) {
      throw new TransientSendError(what, retryAfterMs(res.headers.get('retry-after')));
    }
    throw new PermanentSendError(what);
  }
}

/** Reads the body until it ends or more than `max` bytes came (a chunk past it at most), then drops the rest unread. */
async function readAtMost(res: Response, max: number): Promise<void> {
  if (!res.body) return;
  const reader = res.body.getReader();
  try {
    for (let read = 0; read <= max; ) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
    }
  } finally {
    // Cancelling closes the connection instead of reading the rest.
    await reader.cancel().catch(() => undefined);
  }
}
