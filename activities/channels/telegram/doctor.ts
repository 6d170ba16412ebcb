/**
 * Telegram: the bot token works (getMe, which costs nothing and names the bot) and Telegram posts the
 * bot's Updates to this Cascade (getWebhookInfo: the URL is CASCADE_PUBLIC_URL/telegram/webhook and
 * the last delivery did not fail). The token is never shown: it is in every Bot API URL.
 */
import { fail, pass, warn, type Check, type CheckFn } from '../../../doctor/check';
import { BotApi, telegramConfigFromEnv } from './bot-api';

const NAME = 'telegram';
const WEBHOOK = 'telegram.webhook';

export const telegramCheck: CheckFn = async (ctx) => {
  const config = telegramConfigFromEnv(ctx.env);
  if (!config) return [warn(NAME, 'CASCADE_TELEGRAM_BOT_TOKEN is not set: the telegram channel is off', 'create a bot with @BotFather and set CASCADE_TELEGRAM_BOT_TOKEN (README, Telegram)')];
  const api = new BotApi({ ...config, timeoutMs: Math.min(config.timeoutMs, ctx.timeoutMs - 250) });
  const unreachable = (err: unknown): Check[] => [fail(NAME, `could not check: ${(err as Error).message}`, 'see that CASCADE_TELEGRAM_API_URL (if set) is right and api.telegram.org is reachable from this host')];

  let me: Awaited<ReturnType<BotApi['getMe']>>;
  try {
    me = await api.getMe();
  } catch (err) {
    return unreachable(err);
  }
  if (!me.ok) {
    return me.errorCode === 401 || me.errorCode === 404
      ? [fail(NAME, `the bot token is not valid (getMe: ${me.errorCode} ${me.description})`, 'copy the token @BotFather gave (/token) into CASCADE_TELEGRAM_BOT_TOKEN')]
      : [fail(NAME, `could not check: getMe answered ${me.errorCode} ${me.description}`, 'run the doctor again in a minute')];
  }
  const bot = me.result.username ?? '';
  if (config.username && config.username.toLowerCase() !== bot.toLowerCase()) {
    return [fail(NAME, `the token is @${bot}'s, but CASCADE_TELEGRAM_BOT_USERNAME says @${config.username}: links would open another bot`, 'unset CASCADE_TELEGRAM_BOT_USERNAME or set it to the bot of the token')];
  }
  const checks = [pass(NAME, `token valid: bot @${bot}`)];

  const expected = `${ctx.publicUrl.replace(/\/+$/, '')}/telegram/webhook`;
  const register = `call setWebhook with url=${expected} and secret_token=$CASCADE_TELEGRAM_WEBHOOK_SECRET (README, Telegram)`;
  if (!ctx.env.CASCADE_TELEGRAM_WEBHOOK_SECRET?.trim()) {
    return [...checks, fail(WEBHOOK, 'CASCADE_TELEGRAM_WEBHOOK_SECRET is not set: the webhook refuses every update, so no chat can be linked', `set it, then ${register}`)];
  }
  let info: Awaited<ReturnType<BotApi['getWebhookInfo']>>;
  try {
    info = await api.getWebhookInfo();
  } catch (err) {
    return [...checks, ...unreachable(err).map((c) => ({ ...c, name: WEBHOOK }))];
  }
  if (!info.ok) return [...checks, fail(WEBHOOK, `could not check: getWebhookInfo answered ${info.errorCode} ${info.description}`, 'run the doctor again in a minute')];
  const { url, pending_update_count: pending, last_error_message: lastError, last_error_date: lastErrorAt } = info.result;
  if (!url) return [...checks, fail(WEBHOOK, 'no webhook is registered: Telegram keeps the updates, and no chat can be linked', register)];
  if (url !== expected) return [...checks, fail(WEBHOOK, `the webhook is ${url}, not ${expected}`, register)];
  if (lastError) {
    const when = lastErrorAt ? ` at ${new Date(lastErrorAt * 1000).toISOString()}` : '';
    return [...checks, fail(WEBHOOK, `Telegram's last delivery to ${url} failed${when}: ${lastError}; ${pending} updates pending`, 'see that the URL reaches Cascade over https and that the secret_token given to setWebhook is CASCADE_TELEGRAM_WEBHOOK_SECRET')];
  }
  return [...checks, pass(WEBHOOK, `${url} registered; ${pending} updates pending`)];
};
