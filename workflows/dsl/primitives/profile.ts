/**
 * `j.refreshCustomer`: the profile read again (consents, orders) for a decision made long after the
 * run started. Kept in the memo, so a continued run sees the profile the decision was made on.
 */
import type { Profile } from '../../contract';
import { dataActivities } from '../activities';
import type { RunState } from '../run-state';

export async function refreshCustomer(run: RunState): Promise<Profile> {
  const { index, value } = run.memo.slot<Profile | null>('profile', () => null);
  run.customer = value ?? (await dataActivities.loadProfile(run.input.customerId, run.options.topic));
  run.memo.set(index, run.customer);
  return run.customer;
}
