/**
 * A run's start and end as events out, written with the change that records them: run.started as a
 * CTE on the start's own statement (a retry writes the same `webhook-id`: one row), run.ended and
 * conversion in the end's transaction. Nobody subscribed: the change alone, as before events went out.
 */
import type { Db } from '../db/client';
import type { EndedRun } from '../db/queries/runs';
import type { RunRecord } from '../workflows/contract';
import { enqueueWith, withEventsOut } from './enqueue';
import { runEndedEvents, runStartedEvent } from './events';

export const runStartedOut = (db: Db, run: RunRecord) => enqueueWith(db, runStartedEvent(run, run.startedAt ? new Date(run.startedAt) : new Date()));

/** `end` ends runs on the connection it is given; their run.ended (and conversion) go out with it. Returns what it ended. */
export const endingRuns = (db: Db, end: (on: Db) => Promise<EndedRun[]>): Promise<EndedRun[]> =>
  withEventsOut(db, ['run.ended', 'conversion'], async (on) => {
    const ended = await end(on);
    return { result: ended, events: ended.flatMap(runEndedEvents) };
  });
