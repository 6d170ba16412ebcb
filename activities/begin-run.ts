/**
 * A run's start in one activity (workflows/dsl/journey.ts says why not a local one): the customer's profile
 * and the run's record, with the events stored for it before it existed. Side by side: the two
 * touch different rows.
 */
import type { JourneyActivities } from '../workflows/contract';

export function createBeginRun(acts: Pick<JourneyActivities, 'loadProfile' | 'recordRunStart'>): JourneyActivities['beginRun'] {
  return async (run, topic) => {
    const [profile, stored] = await Promise.all([acts.loadProfile(run.customerId, topic), acts.recordRunStart(run)]);
    return { profile, stored };
  };
}
