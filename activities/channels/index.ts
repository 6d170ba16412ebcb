/** Picks the adapter for each channel from the environment; without credentials, the outbox. */
import type { Db } from '../../db/client';
import type { Channel } from '../../workflows/contract';
import { FcmChannel, fcmConfigFromEnv } from './fcm';
import { outboxChannel } from './outbox';
import { resendFromEnv } from './resend';
import { SmscChannel, smscConfigFromEnv } from './smsc';
import type { ChannelAdapter } from './types';
import { WebhookChannel } from './webhook';

export type ChannelRegistry = Record<Channel, ChannelAdapter>;

/** `db` is needed when FCM is configured: it deletes the tokens FCM says are dead. */
export function channelsFromEnv(env: NodeJS.ProcessEnv = process.env, db?: Db): ChannelRegistry {
  return {
    email: resendFromEnv(env) ?? outboxChannel,
    sms: smsFromEnv(env),
    push: pushFromEnv(env, db),
    webhook: webhookFromEnv(env),
  };
}

function smsFromEnv(env: NodeJS.ProcessEnv): ChannelAdapter {
  const config = smscConfigFromEnv(env);
  return config ? new SmscChannel(config) : outboxChannel;
}

function pushFromEnv(env: NodeJS.ProcessEnv, db: Db | undefined): ChannelAdapter {
  const config = fcmConfigFromEnv(env);
  if (!config) return outboxChannel;
  if (!db) throw new Error('channelsFromEnv: FCM is configured, so it needs the database (to delete dead push tokens)');
  return new FcmChannel(db, config);
}

function webhookFromEnv(env: NodeJS.ProcessEnv): ChannelAdapter {
  if (!env.CASCADE_WEBHOOK_URL) return outboxChannel;
  // An unsigned message to a URL anyone could point at us is worse than no message.
  if (!env.CASCADE_WEBHOOK_SECRET) throw new Error('CASCADE_WEBHOOK_URL is set but CASCADE_WEBHOOK_SECRET is not');
  return new WebhookChannel({ secret: env.CASCADE_WEBHOOK_SECRET, timeoutMs: Number(env.CASCADE_WEBHOOK_TIMEOUT_MS ?? 10_000) });
}
