/** The journeys' step graphs as the worker drew them (journey-map/record.ts). */
import { inArray, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { journeyGraphs } from '../schema';
import type { JourneyGraph } from '../../workflows/contract';

export type JourneyGraphRow = typeof journeyGraphs.$inferSelect;

/** The latest drawing wins: the worker that starts last runs the code now deployed. */
export async function upsertJourneyGraphs(db: Db, graphs: Array<{ journey: string; graph: JourneyGraph }>): Promise<void> {
  if (!graphs.length) return;
  await db
    .insert(journeyGraphs)
    .values(graphs)
    .onConflictDoUpdate({ target: journeyGraphs.journey, set: { graph: sql`excluded.graph`, recordedAt: sql`now()` } });
}

export async function journeyGraphsOf(db: Db, journeys: string[]): Promise<Map<string, JourneyGraphRow>> {
  const rows = journeys.length ? await db.select().from(journeyGraphs).where(inArray(journeyGraphs.journey, journeys)) : [];
  return new Map(rows.map((r) => [r.journey, r]));
}
