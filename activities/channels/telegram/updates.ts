/**
 * What the bot does with the Updates Telegram posts to its webhook: `/start <token>` in a private
 * chat links the chat (link.ts) and says so; a private chat that blocks the bot (`my_chat_member`,
 * status `kicked`) is suppressed, and one that starts it again is lifted. Everything else is ignored.
 * The answers to the user are the bot's own words, not ledgered messages.
 */
import { suppress, unsuppress } from '../../../contactability/suppressions';
import type { Db } from '../../../db/client';
import { DEFAULT_LOCALE } from '../../../lib/config';
import { logger } from '../../../lib/logger';
import type { TelegramUpdate } from '../../../schemas/telegram';
import type { BotApi } from './bot-api';
import { linkChat } from './link';

const START = /^\/start(?:@\w+)?(?:\s+(\S+))?\s*$/;

const REPLIES = {
  ru: {
    linked: 'Готово! Теперь сообщения магазина будут приходить сюда.',
    badLink: 'Эта ссылка устарела или уже использована. Откройте новую в личном кабинете магазина.',
    noLink: 'Чтобы получать сообщения магазина здесь, откройте ссылку из личного кабинета.',
  },
  en: {
    linked: 'Done! The shop will send your messages here now.',
    badLink: 'This link has expired or was already used. Please open a new one from your account in the shop.',
    noLink: 'To get the shop\'s messages here, please open the link from your account in the shop.',
  },
};

const repliesFor = (language: string | null | undefined) => ((language ?? DEFAULT_LOCALE).toLowerCase().startsWith('ru') ? REPLIES.ru : REPLIES.en);

export async function handleUpdate(deps: { db: Db; api: BotApi }, update: TelegramUpdate): Promise<void> {
  const member = update.my_chat_member;
  if (member && member.chat.type === 'private') {
    const chatId = String(member.chat.id);
    if (member.new_chat_member.status === 'kicked') {
      await suppress(deps.db, 'telegram', chatId, 'blocked');
      logger.info({ updateId: update.update_id }, 'a Telegram chat blocked the bot; suppressed');
    } else if (member.new_chat_member.status === 'member') {
      await unsuppress(deps.db, 'telegram', chatId, 'blocked');
    }
    return;
  }

  const message = update.message;
  const start = message?.chat.type === 'private' ? START.exec(message.text ?? '') : null;
  if (!message || !start) return;
  const chatId = String(message.chat.id);
  const token = start[1];
  const linked = token ? await linkChat(deps.db, token, { chatId, username: message.from?.username ?? null }) : null;
  if (linked) logger.info({ customerId: linked.customerId, updateId: update.update_id }, 'Telegram chat linked');
  const words = repliesFor(linked?.locale ?? message.from?.language_code);
  await reply(deps.api, chatId, linked ? words.linked : token ? words.badLink : words.noLink);
}

/** The link stands whether or not the user hears about it: a failed answer is logged, not retried. */
async function reply(api: BotApi, chatId: string, text: string): Promise<void> {
  try {
    const answer = await api.sendMessage(chatId, text);
    if (!answer.ok) logger.warn({ telegramError: answer.errorCode, description: answer.description }, 'could not answer the Telegram user');
  } catch (err) {
    logger.warn({ err }, 'could not answer the Telegram user');
  }
}
