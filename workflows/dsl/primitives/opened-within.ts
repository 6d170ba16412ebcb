/** `j.openedWithin`: did the customer open or click any message on a channel lately? Asked once, kept in the memo. */
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Channel } from '../../contract';
import { dataActivities } from '../activities';
import type { RunState } from '../run-state';

export async function openedWithin(run: RunState, channel: Channel, within: Duration): Promise<boolean> {
  const { index, value } = run.memo.slot<boolean | null>('opened-within', () => null);
  if (value !== null) return value;
  const opened = await dataActivities.openedSince({
    customerId: run.input.customerId,
    channel,
    since: new Date(Date.now() - msToNumber(within)).toISOString(),
  });
  run.memo.set(index, opened);
  return opened;
}
