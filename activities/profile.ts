/** The profile activity: db/queries/profile.ts, failing the run for a customer that does not exist. */
import { ApplicationFailure } from '@temporalio/activity';
import { reachableChannelsSql } from '../contactability/eligibility';
import type { Db } from '../db/client';
import { loadProfile } from '../db/queries/profile';
import type { Profile } from '../workflows/contract';

export function createLoadProfile(db: Db, webhookUrl: string | undefined) {
  return async function loadProfileActivity(customerId: string, topic?: string): Promise<Profile> {
    const profile = await loadProfile(db, customerId, reachableChannelsSql(topic, webhookUrl));
    if (!profile) throw ApplicationFailure.nonRetryable(`Customer ${customerId} does not exist`, 'CustomerNotFound');
    return profile;
  };
}
