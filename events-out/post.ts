/**
 * One delivery attempt: the event's JSON POSTed with the Standard Webhooks headers, signed by the
 * `standardwebhooks` library with the subscription's secret. The timestamp is the attempt's (a
 * receiver refuses stale ones); the `webhook-id` is the event's, the same on every attempt.
 */
import { Webhook } from 'standardwebhooks';

export interface Attempt {
  url: string;
  secret: string;
  webhookId: string;
  payload: unknown;
  timeoutMs: number;
}

/** Resolves on a 2xx; throws otherwise, saying the status or what failed (never the URL or the secret). */
export async function postEvent(a: Attempt): Promise<void> {
  const body = JSON.stringify(a.payload);
  const at = new Date();
  const res = await fetch(a.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': a.webhookId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(a.secret).sign(a.webhookId, at, body),
    },
    body,
    // A receiver's redirect is not followed: the signature was made for the URL subscribed.
    redirect: 'manual',
    signal: AbortSignal.timeout(a.timeoutMs),
  });
  await res.body?.cancel();
  if (res.status < 200 || res.status > 299) throw new Error(`the receiver answered ${res.status}`);
}
