/**
 * A run's start in one activity (workflows/dsl/journey.ts says why not a local one), and most often
 * in one statement: the run's record, the customer's profile, and the events routed for it before
 * it existed (db/queries/runs.ts, `beginRunRecord`). That statement's read of the events counts
 * only when the router's record of the run was committed before it began; otherwise they are read
 * again as `recordRunStart` reads them.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { reachableChannelsSql } from '../contactability/eligibility';
import type { Db } from '../db/client';
import { beginRunRecord } from '../db/queries/runs';
import { runStartedOut } from '../events-out/runs';
import { runsStarted } from '../metrics/registry';
import type { JourneyActivities } from '../workflows/contract';
import { recordedByRouter, routedForRun, storedForRun } from './runs';

export function createBeginRun(db: Db, webhookUrl: string | undefined): JourneyActivities['beginRun'] {
  return async (run, topic) => {
    const stored = storedForRun(run);
    const begun = await beginRunRecord(db, run, reachableChannelsSql(topic, webhookUrl), stored, await runStartedOut(db, run));
    runsStarted.inc({ journey: run.journey });
    if (!begun.profile) throw ApplicationFailure.nonRetryable(`Customer ${run.customerId} does not exist`, 'CustomerNotFound');
    return { profile: begun.profile, stored: begun.seen && recordedByRouter(begun.existed) ? begun.stored : await routedForRun(db, stored, begun.existed) };
  };
}
