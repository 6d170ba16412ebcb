/**
 * The worker draws the graphs of the journeys it runs (explore.ts) as it starts and stores them, so
 * the API, which never loads a journey body (test/manifest.test.ts), shows the code that runs.
 */
import type { Db } from '../db/client';
import { upsertJourneyGraphs } from '../db/queries/journey-graphs';
import * as journeys from '../workflows/journeys';
import type { JourneyWorkflow } from '../workflows/dsl/journey';
import { exploreJourney } from './explore';

export async function recordJourneyGraphs(db: Db, bodies: readonly JourneyWorkflow[] = Object.values(journeys)): Promise<void> {
  const graphs = [];
  for (const wf of bodies) graphs.push({ journey: wf.options.id, graph: await exploreJourney(wf) });
  await upsertJourneyGraphs(db, graphs);
}
