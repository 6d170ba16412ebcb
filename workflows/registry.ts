/**
 * The journeys as the API and the sweeper see them: which events start which journeys. Imported
 * outside the workflow sandbox; only the journeys' options are read here, never their bodies run.
 */
import * as journeys from './journeys';
import type { JourneyWorkflow } from './dsl/journey';

export const allJourneys: JourneyWorkflow[] = Object.entries(journeys).map(([exportName, wf]) => {
  if (wf.name !== exportName) throw new Error(`Journey ${wf.options.id} must be exported as ${wf.name}, not ${exportName}`);
  return wf;
});

export function journeysTriggeredBy(eventType: string): JourneyWorkflow[] {
  return allJourneys.filter((j) => j.options.trigger?.event === eventType);
}

export function journeyById(id: string): JourneyWorkflow | undefined {
  return allJourneys.find((j) => j.options.id === id);
}
