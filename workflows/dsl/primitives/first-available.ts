/**
 * `j.sendFirstAvailable`: the channels in order, stopping at the first that sends. The profile is
 * read again first; a channel the customer cannot be reached on is tried at once (the ledger says
 * why it was skipped) instead of waiting out quiet hours for nothing. Each channel's step is
 * `<step>:<channel>`.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { Channel, SendResult } from '../../contract';
import type { RunState } from '../run-state';
import { refreshCustomer } from './profile';
import { send, type SendOptions } from './send';

export async function sendFirstAvailable(run: RunState, channels: Channel[], opts: Omit<SendOptions, 'channel'>): Promise<SendResult> {
  const { reachable } = await refreshCustomer(run);
  let last: SendResult | undefined;
  for (const channel of channels) {
    const quietHours = reachable.includes(channel) || run.options.transactional ? opts.quietHours : 'ignore';
    last = await send(run, { ...opts, channel, step: `${opts.step}:${channel}`, quietHours });
    if (last.status === 'sent') return last;
  }
  if (!last) throw ApplicationFailure.nonRetryable('sendFirstAvailable needs at least one channel');
  return last;
}
