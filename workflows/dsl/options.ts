/**
 * What a journey declares about itself. Pure data and pure functions: the lifecycle reads these
 * outside the workflow sandbox to validate triggers, admit customers and decide which events a
 * run is told about, without running any journey body.
 */
import type { Duration } from '@temporalio/common';
import { inHoldout } from '../bucket';
import type { JourneyEvent, Profile } from '../contract';
import type { Predicate } from '../predicate';

/** What a trigger property must be; `?` makes it optional. Checked at the API (lifecycle/trigger.ts). */
export type PropertyType = 'string' | 'number' | 'integer' | 'boolean' | 'instant' | 'date' | 'year';
export type PropertySpec = PropertyType | `${PropertyType}?`;

export type EventSpec = string | { event: string; where?: (e: JourneyEvent) => boolean };

export interface JourneyOptions {
  /** Stable id, kebab-case: it names the workflow ids and the ledger rows. */
  id: string;
  /**
   * The event that starts a run; `key` names the property that gives each value its own run;
   * `properties` is what the body reads of the trigger, checked at the API (a 400 names the field).
   * Declared as data, not as a schema object, so the workflow bundle stays small per run.
   */
  trigger?: { event: string; key?: string; properties?: Record<string, PropertySpec> };
  /** Events that end the run at once ("exited: order.placed"). */
  exitOn?: EventSpec[];
  /** Events that start the body over (a new change to the cart restarts the clock). */
  restartOn?: EventSpec[];
  /** The conversion the journey works for: this event within `within` of the last message sent. */
  goal?: { event: string; within: Duration };
  /**
   * Event types the body waits for with `j.waitFor` (its own `message.*` reports always reach it).
   * A run is signalled only the types it listens to; `waitFor` refuses an undeclared type.
   */
  waitsFor?: string[];
  /** once: never twice for a customer (and key); after-exit: again once a run ended; every-trigger: each trigger. */
  reentry?: 'once' | 'after-exit' | 'every-trigger';
  /** Transactional journeys skip marketing consent, frequency caps and quiet hours, never suppression. */
  transactional?: boolean;
  /**
   * What a marketing journey is about (`promotions`, `reminders`, `news`; kebab-case): consent is
   * per channel and topic, and the preference center lists these. Every marketing journey names one
   * and transactional ones none (`topicProblem`, checked when the registry loads).
   */
  topic?: string;
  /** Who may enter: true, or the reason the customer is turned away (the run ends "refused"). */
  enterIf?: (customer: Profile, trigger: JourneyEvent | undefined) => true | string;
  /**
   * Continue-as-new once the history holds this many events, besides whenever Temporal suggests
   * it (about 4k events or 4 MiB). Lower it for journeys that loop for months.
   */
  historyLimit?: number;
  /**
   * Who the journey is for without an outside event: a segment predicate (workflows/predicate.ts, as
   * plain data) enrolled on a schedule by the same campaign machinery as any campaign (the built-in
   * campaign `audience:<id>`, campaigns/journey-audiences.ts). `key` names each member's run, so a
   * member is enrolled once per occasion however often the scan finds them.
   */
  audience?: JourneyAudience;
  /**
   * Keep a stable share of the journey's customers out, to measure what it adds: a held-out run is
   * recorded (`journey_runs.holdout`), sends nothing and ends at once ("completed: held out");
   * analytics/experiments.ts compares its customers' conversion with the treated ones'.
   */
  holdout?: { percent: number };
}

export interface JourneyAudience {
  where: Predicate;
  /** How often the segment is scanned: a cron line, or an interval ("1 day"). */
  schedule: { cron: string } | { every: string };
  /**
   * year-of-birthday: the year of the member's next birthday in their time zone (one run a year);
   * last-order: the date of their last order (one run per lapse); occurrence: one run per scan.
   */
  key: 'year-of-birthday' | 'last-order' | 'occurrence';
}

const TOPIC = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * Why these options' topic is wrong, or null. A default topic would file a new journey silently under
 * whatever the default means, and a customer who opted out of exactly that would still get it (or
 * one who kept it would lose it): the author says what the journey is about, so the registry refuses
 * to load without it and the API and worker do not start.
 */
export function topicProblem(options: JourneyOptions): string | null {
  if (options.transactional) return options.topic === undefined ? null : `transactional journey ${options.id} must not name a topic (consent does not apply to it)`;
  if (options.topic === undefined) return `marketing journey ${options.id} must name a topic (e.g. promotions, reminders, news): consent is per topic`;
  return TOPIC.test(options.topic) ? null : `journey ${options.id}: topic "${options.topic}" must be kebab-case (a-z, 0-9, -)`;
}

/** Is this customer in the journey's own holdout? The run decides it, and the router records it for the runs it starts. */
export function inJourneyHoldout(options: JourneyOptions, customerId: string): boolean {
  return options.holdout !== undefined && inHoldout(options.id, customerId, options.holdout.percent);
}

/** Why the holdout share is wrong, or null (checked when the registry loads, next to the topic). */
export function holdoutProblem(options: JourneyOptions): string | null {
  if (options.holdout === undefined) return null;
  const { percent } = options.holdout;
  return Number.isInteger(percent) && percent >= 1 && percent <= 50 ? null : `journey ${options.id}: holdout.percent must be an integer from 1 to 50`;
}

export function specType(spec: EventSpec): string {
  return typeof spec === 'string' ? spec : spec.event;
}

/** Every event type a run of this journey is told about, besides its own `message.*` reports. */
export function listenedTypes(options: JourneyOptions): Set<string> {
  return new Set([
    ...(options.exitOn ?? []).map(specType),
    ...(options.restartOn ?? []).map(specType),
    ...(options.goal ? [options.goal.event] : []),
    ...(options.waitsFor ?? []),
  ]);
}

/** Does a run of this journey want an event of this type? Its own message reports always. */
export function listensTo(options: JourneyOptions, type: string): boolean {
  return type.startsWith('message.') || listenedTypes(options).has(type);
}

/** A journey as the API sees it: its workflow type and its options (a JourneyWorkflow is one too). */
export interface JourneyEntry {
  readonly name: string;
  readonly options: JourneyOptions;
}
