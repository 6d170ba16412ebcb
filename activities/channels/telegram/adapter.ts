/**
 * Telegram through the Bot API's sendMessage, to the chat a customer linked through the bot's deep
 * link (link.ts). The text is plain: no parse_mode, so nothing in a customer's name can become markup.
 *
 * The Bot API has no idempotency key and no way to ask whether a message was sent. A duplicate is
 * kept out by the ledger: the row is decided (and its text rendered) before this call, a row already
 * `sent` is answered from the ledger and never reaches this adapter again, and a 429 or an error
 * answer means Telegram took nothing, so its retry sends the one copy. Only an answer lost after
 * Telegram took the message (a timeout, a worker killed between this call and the ledger update)
 * leaves the row pending, and its retry may deliver a second copy: at least once, as push is.
 *
 * "Forbidden: bot was blocked by the user" is for good: the send fails and the chat is suppressed
 * (`blocked`), so the next message goes to the customer's next channel; the chat's owner lifts it
 * by starting the bot again (updates.ts).
 */
import type { Db } from '../../../db/client';
import { suppress } from '../../../contactability/suppressions';
import { logger } from '../../../lib/logger';
import { PermanentSendError, ProviderAccountError, TransientSendError, type ChannelAdapter, type Delivery, type OutgoingMessage } from '../types';
import { BotApi, BotApiUnreachableError, type TelegramConfig } from './bot-api';

/** Telegram's words for a chat that will never take a message from the bot again. */
const BLOCKED = /bot was blocked by the user/i;
const GONE = /user is deactivated|chat not found/i;

export class TelegramChannel implements ChannelAdapter {
  readonly provider = 'telegram';
  private readonly api: BotApi;

  constructor(
    private readonly db: Db,
    config: TelegramConfig,
  ) {
    this.api = new BotApi(config);
  }

  async send(message: OutgoingMessage): Promise<Delivery> {
    let answer: Awaited<ReturnType<BotApi['sendMessage']>>;
    try {
      answer = await this.api.sendMessage(message.to, message.body);
    } catch (err) {
      if (err instanceof BotApiUnreachableError) throw new TransientSendError(err.message);
      throw err;
    }
    if (answer.ok) return { provider: this.provider, providerMessageId: `${message.to}/${answer.result.message_id}` };

    const what = `Telegram ${answer.errorCode}: ${answer.description}`;
    if (answer.errorCode === 429) throw new TransientSendError(what, (answer.retryAfterSeconds ?? 1) * 1000);
    if (answer.errorCode === 403 && BLOCKED.test(answer.description)) {
      await suppress(this.db, 'telegram', message.to, 'blocked');
      logger.info({ messageId: message.messageId, customerId: message.customerId }, 'the customer blocked the Telegram bot; the chat is suppressed');
      throw new PermanentSendError(what);
    }
    // A deleted account or a chat Telegram does not know: the address is dead (the pipeline suppresses it).
    if (GONE.test(answer.description)) throw new PermanentSendError(what, true);
    // The token was revoked or mistyped: every message fails until someone sets a new one.
    if (answer.errorCode === 401 || answer.errorCode === 404) throw new ProviderAccountError(`${what} (check CASCADE_TELEGRAM_BOT_TOKEN)`, 'auth');
    if (answer.errorCode >= 500) throw new TransientSendError(what);
    throw new PermanentSendError(what);
  }
}
