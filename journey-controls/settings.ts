/**
 * What operators have set on journeys (paused, rollout, test mode), as every process that admits
 * runs or sends for them sees it. Read whole every couple of seconds in the background, so a change
 * reaches every API, router and worker process within seconds, and admitting an event or deciding a
 * send reads memory, not the database (README, Cost per event).
 */
import type { Db } from '../db/client';
import { allJourneySettings, type JourneySettings } from '../db/queries/journey-settings';
import { logger } from '../lib/logger';

export type JourneyControl = Pick<JourneySettings, 'paused' | 'rolloutPercent' | 'testRecipients'>;

/** A journey no operator has touched runs as its code says. */
export const UNTOUCHED: JourneyControl = { paused: false, rolloutPercent: 100, testRecipients: null };

export const REFRESH_MS = 2_000;
/** A read older than this (the background refresh is failing) is not trusted: the next ask reads again. */
const STALE_MS = 10_000;

export interface JourneyControls {
  /** The journey's settings, at most a refresh old. */
  of(journey: string): Promise<JourneyControl>;
  /** Reads them now: the process that made a change sees it at once. */
  refresh(): Promise<void>;
}

const perDatabase = new WeakMap<Db, JourneyControls>();

/** The process's view for this database (one per database, shared by everything in the process). */
export function journeyControls(db: Db): JourneyControls {
  let controls = perDatabase.get(db);
  if (!controls) perDatabase.set(db, (controls = watch(db)));
  return controls;
}

function watch(db: Db): JourneyControls {
  let current: { at: number; byJourney: Map<string, JourneyControl> } | undefined;
  let reading: Promise<Map<string, JourneyControl>> | undefined;
  const read = () =>
    (reading ??= allJourneySettings(db)
      .then((rows) => {
        const byJourney = new Map(rows.map((r) => [r.journey, { paused: r.paused, rolloutPercent: r.rolloutPercent, testRecipients: r.testRecipients }]));
        current = { at: Date.now(), byJourney };
        return byJourney;
      })
      .finally(() => (reading = undefined)));
  // Unref'd: the view never keeps a process alive, and a process that closed its database only logs.
  setInterval(() => read().catch((err: unknown) => logger.debug({ err }, 'journey settings not refreshed')), REFRESH_MS).unref();
  return {
    async of(journey) {
      const byJourney = current && Date.now() - current.at < STALE_MS ? current.byJourney : await read();
      return byJourney.get(journey) ?? UNTOUCHED;
    },
    async refresh() {
      await reading;
      await read();
    },
  };
}
