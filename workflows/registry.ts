/**
 * The journeys as the API and the router see them: which events start which journeys. Imported
 * outside the workflow sandbox; only the journeys' options are read here, never their bodies run.
 */
import * as journeys from './journeys';
import type { JourneyWorkflow } from './dsl/journey';
import { holdoutProblem, listensTo, topicProblem } from './dsl/options';

export const allJourneys: JourneyWorkflow[] = Object.entries(journeys).map(([exportName, wf]) => {
  if (wf.name !== exportName) throw new Error(`Journey ${wf.options.id} must be exported as ${wf.name}, not ${exportName}`);
  const problem = topicProblem(wf.options) ?? holdoutProblem(wf.options);
  if (problem) throw new Error(problem);
  return wf;
});

export function journeysTriggeredBy(eventType: string): JourneyWorkflow[] {
  return allJourneys.filter((j) => j.options.trigger?.event === eventType);
}

/** Does any journey's run want events of this type? If none does, routing one costs no Temporal call. */
export function anyJourneyListensTo(eventType: string): boolean {
  return allJourneys.some((j) => listensTo(j.options, eventType));
}

export function journeyById(id: string): JourneyWorkflow | undefined {
  return allJourneys.find((j) => j.options.id === id);
}

/** The marketing topics customers can choose between (the preference center's rows), in journey order. */
export const knownTopics: string[] = [...new Set(allJourneys.flatMap((j) => (j.options.topic ? [j.options.topic] : [])))];
