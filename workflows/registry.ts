/**
 * The journeys as the API and the router see them: which events start which journeys, by their
 * options alone (manifest.ts). Imported outside the workflow sandbox; no journey body is loaded.
 */
import { workflowTypeOf } from './contract';
import { holdoutProblem, listensTo, topicProblem, type JourneyEntry } from './dsl/options';
import { journeyOptions } from './manifest';

export const allJourneys: JourneyEntry[] = journeyOptions.map((options) => {
  const problem = topicProblem(options) ?? holdoutProblem(options);
  if (problem) throw new Error(problem);
  return { name: workflowTypeOf(options.id), options };
});

export function journeysTriggeredBy(eventType: string): JourneyEntry[] {
  return allJourneys.filter((j) => j.options.trigger?.event === eventType);
}

/** Does any journey's run want events of this type? If none does, routing one costs no Temporal call. */
export function anyJourneyListensTo(eventType: string): boolean {
  return allJourneys.some((j) => listensTo(j.options, eventType));
}

export function journeyById(id: string): JourneyEntry | undefined {
  return allJourneys.find((j) => j.options.id === id);
}

/** The marketing topics customers can choose between (the preference center's rows), in journey order. */
export const knownTopics: string[] = [...new Set(allJourneys.flatMap((j) => (j.options.topic ? [j.options.topic] : [])))];
