/**
 * The channel registry: for each channel the adapter the environment picks (without credentials,
 * the outbox), and what the providers bring besides: their doctor checks and their report pollers.
 * A provider's folder (smsc/, resend/, fcm/, telegram/) holds its adapter, its reports, its inbound callback
 * handler and its doctor check.
 */
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/client';
import type { NamedCheck } from '../../doctor/run';
import type { ReportPoller } from '../../reports/jobs';
import type { Channel } from '../../workflows/contract';
import { FcmChannel, fcmConfigFromEnv } from './fcm/adapter';
import { fcmCheck } from './fcm/doctor';
import { outboxChannel } from './outbox';
import { resendFromEnv } from './resend/adapter';
import { emailDnsCheck } from './resend/dns-doctor';
import { resendCheck } from './resend/doctor';
import { SmscChannel, smscConfigFromEnv, type SmscConfig } from './smsc/adapter';
import { smscCheck } from './smsc/doctor';
import { smscReportPoller } from './smsc/poller';
import { TelegramChannel } from './telegram/adapter';
import { telegramConfigFromEnv } from './telegram/bot-api';
import { telegramCheck } from './telegram/doctor';
import type { ChannelAdapter } from './types';
import { WebhookChannel } from './webhook';

export type ChannelRegistry = Record<Channel, ChannelAdapter>;

/** `db` is needed when FCM or Telegram is configured: FCM deletes the tokens it says are dead, Telegram suppresses chats that blocked the bot. */
export function channelsFromEnv(env: NodeJS.ProcessEnv = process.env, db?: Db): ChannelRegistry {
  return {
    email: resendFromEnv(env) ?? outboxChannel,
    sms: smsFromEnv(env),
    push: pushFromEnv(env, db),
    webhook: webhookFromEnv(env),
    telegram: telegramFromEnv(env, db),
  };
}

/** The providers' doctor checks, by name; a DNS resolver that does not answer is a warning (it says nothing about the records). */
export const providerChecks: NamedCheck[] = [
  ['resend', resendCheck],
  ['email.dns', emailDnsCheck, 'warn'],
  ['smsc', smscCheck],
  ['fcm', fcmCheck],
  ['telegram', telegramCheck],
];

/** The polls for reports a provider's callbacks may lose: SMSC's status.php, when SMSC is configured. */
export function reportPollers(deps: { db: Db; client: Client }, configs: { smsc?: SmscConfig }): ReportPoller[] {
  return configs.smsc ? [smscReportPoller(deps, configs.smsc)] : [];
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

/**
 * Without a bot token Telegram is the outbox, as every channel without its provider; no chat can be
 * linked then, so a telegram send finds no address (`no_address`) unless chats were linked before.
 */
function telegramFromEnv(env: NodeJS.ProcessEnv, db: Db | undefined): ChannelAdapter {
  const config = telegramConfigFromEnv(env);
  if (!config) return outboxChannel;
  if (!db) throw new Error('channelsFromEnv: Telegram is configured, so it needs the database (to suppress chats that blocked the bot)');
  return new TelegramChannel(db, config);
}
