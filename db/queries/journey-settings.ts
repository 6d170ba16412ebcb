/** The operator's settings of journeys (db/schema/journeys.ts): read whole, written one journey at a time. */
import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import { journeySettings } from '../schema';

export type JourneySettings = typeof journeySettings.$inferSelect;
export type JourneySettingsChange = Partial<Pick<JourneySettings, 'paused' | 'rolloutPercent' | 'testRecipients'>>;

export async function allJourneySettings(db: Db): Promise<JourneySettings[]> {
  return db.select().from(journeySettings);
}

/** Applies the change to the journey's row (made on first change) and returns the row as it is now. */
export async function changeJourneySettings(db: Db, journey: string, change: JourneySettingsChange): Promise<JourneySettings> {
  const [row] = await db
    .insert(journeySettings)
    .values({ journey, ...change })
    .onConflictDoUpdate({ target: journeySettings.journey, set: { ...change, updatedAt: sql`now()` } })
    .returning();
  return row!;
}
