/**
 * A journey as the API and the dashboard show it: its options, whether it is paused, the graph the
 * worker drew from its code (none yet: no steps, `graphRecordedAt` null) and the counts per step.
 */
import type { Client } from '@temporalio/client';
import type { z } from 'zod';
import type { Db } from '../db/client';
import { journeyGraphsOf } from '../db/queries/journey-graphs';
import { allJourneySettings } from '../db/queries/journey-settings';
import type { journeyView } from '../schemas/journeys';
import type { JourneyEntry } from '../workflows/dsl/options';
import { journeyCounts } from './counts';

export type JourneyView = z.infer<typeof journeyView>;

export async function journeyViews(deps: { db: Db; client: Client }, journeys: JourneyEntry[]): Promise<JourneyView[]> {
  const ids = journeys.map((j) => j.options.id);
  const [graphs, settings] = await Promise.all([journeyGraphsOf(deps.db, ids), allJourneySettings(deps.db)]);
  // A journey no operator has touched has no settings row, and is not paused.
  const paused = new Set(settings.filter((s) => s.paused).map((s) => s.journey));
  return Promise.all(
    journeys.map(async ({ options }) => {
      const row = graphs.get(options.id);
      return {
        id: options.id,
        topic: options.topic ?? null,
        trigger: options.trigger?.event ?? null,
        paused: paused.has(options.id),
        steps: row?.graph.steps ?? [],
        start: row?.graph.start ?? null,
        counts: row ? await journeyCounts(deps, options.id, row.graph) : {},
        graphRecordedAt: row?.recordedAt.toISOString() ?? null,
      };
    }),
  );
}
