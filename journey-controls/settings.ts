/**
 * What operators have set on journeys (paused, rollout, test mode), as every process that admits
 * runs or sends for them sees it. Read whole every couple of seconds in the background, so a change
 * reaches every API, router and worker process within seconds, and admitting an event or deciding a
 * send reads memory, not the database (README, Cost per event).
 */
import type { Db } from '../db/client';
import { allJourneySettings, type JourneySettings } from '../db/queries/journey-settings';
import { refreshedView, type RefreshedView } from '../lib/refreshed-view';

export type JourneyControl = Pick<JourneySettings, 'paused' | 'rolloutPercent' | 'testRecipients'>;

/** A journey no operator has touched runs as its code says. */
export const UNTOUCHED: JourneyControl = { paused: false, rolloutPercent: 100, testRecipients: null };

export interface JourneyControls {
  /** The journey's settings, at most a refresh old. */
  of(journey: string): Promise<JourneyControl>;
  /** Reads them now: the process that made a change sees it at once. */
  refresh(): Promise<void>;
}

const views = new WeakMap<Db, RefreshedView<Map<string, JourneyControl>>>();

const byJourney = async (db: Db) =>
  new Map((await allJourneySettings(db)).map((r) => [r.journey, { paused: r.paused, rolloutPercent: r.rolloutPercent, testRecipients: r.testRecipients }]));

/** The process's view for this database (one per database, shared by everything in the process). */
export function journeyControls(db: Db): JourneyControls {
  const view = refreshedView(views, db, byJourney, 'journey settings');
  return { of: async (journey) => (await view.current()).get(journey) ?? UNTOUCHED, refresh: view.refresh };
}
