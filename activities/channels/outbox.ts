/**
 * The local default channel: the ledger row already holds the rendered message, so "sending" is
 * marking it delivered to the outbox, listed by `GET /v1/outbox`. Nothing leaves the machine.
 */
import type { ChannelAdapter } from './types';

export const outboxChannel: ChannelAdapter = {
  provider: 'outbox',
  async send(message) {
    return { provider: 'outbox', providerMessageId: `outbox-${message.messageId}` };
  },
};
