/**
 * Gauges read from Postgres when Prometheus scrapes, not counted in memory: the backlog of unrouted
 * events, dead letters and signals still owed are facts of the database, shared by every API
 * process and true across restarts. One query answers all of them, cached for a few seconds so
 * several scrapers (or a scrape storm) cost one query.
 */
import { and, count, isNotNull, sql } from 'drizzle-orm';
import { owingKind, unrouted } from '../db/queries/events';
import { Gauge } from 'prom-client';
import type { Db } from '../db/client';
import { events, pendingSignals } from '../db/schema';
import { logger } from '../lib/logger';
import { registry } from './registry';

interface Snapshot {
  unrouted: number;
  oldestUnroutedSeconds: number;
  deadLettered: number;
  pendingSignals: number;
}

// Short enough to watch a burst's backlog rise and drain at a 1-5 s scrape interval.
const CACHE_MS = 2_000;

let source: { db: Db; at: number; snapshot?: Promise<Snapshot | undefined> } | undefined;

export async function readDatabaseGauges(db: Db): Promise<Snapshot> {
  const [[backlog], [dead], [owed]] = await Promise.all([
    db
      .select({ n: count(), oldest: sql<number>`coalesce(extract(epoch from now() - min(${events.receivedAt})), 0)`.mapWith(Number) })
      .from(events)
      .where(unrouted),
    db.select({ n: count() }).from(events).where(and(owingKind, isNotNull(events.deadLetteredAt))), // events_dead_lettered_idx
    db.select({ n: count() }).from(pendingSignals),
  ]);
  return { unrouted: backlog!.n, oldestUnroutedSeconds: backlog!.oldest, deadLettered: dead!.n, pendingSignals: owed!.n };
}

/** The latest snapshot, at most CACHE_MS old; undefined when the database does not answer (the gauges keep their last value). */
function snapshot(): Promise<Snapshot | undefined> | undefined {
  if (!source) return undefined;
  if (!source.snapshot || Date.now() - source.at > CACHE_MS) {
    source.at = Date.now();
    source.snapshot = readDatabaseGauges(source.db).catch((err: unknown) => {
      logger.warn({ err }, 'metrics: could not read the backlog gauges');
      return undefined;
    });
  }
  return source.snapshot;
}

function databaseGauge(name: string, help: string, pick: (s: Snapshot) => number): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      const s = await snapshot();
      if (s) this.set(pick(s));
    },
  });
}

databaseGauge('cascade_unrouted_events', 'Stored events not yet routed: the router\'s backlog', (s) => s.unrouted);
databaseGauge('cascade_unrouted_event_age_seconds', 'Age of the oldest unrouted event (0 when there is none)', (s) => s.oldestUnroutedSeconds);
databaseGauge('cascade_dead_lettered_events', 'Events set aside because they can never be routed, all time', (s) => s.deadLettered);
databaseGauge('cascade_pending_signals', 'Message reports committed but not yet signalled to their runs', (s) => s.pendingSignals);

/** The API process reads its gauges from this database until the returned function is called. */
export function watchDatabase(db: Db): () => void {
  const mine = { db, at: 0 };
  source = mine;
  return () => {
    if (source === mine) source = undefined;
  };
}
