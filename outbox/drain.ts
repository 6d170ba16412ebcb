/**
 * How an outbox is drained: claimed rows go into lanes by key (a customer's), a lane's rows one
 * after another in claim order, up to `parallel` lanes at once, so no row overtakes an earlier one
 * of its lane and no lane waits for another's slow call. A retryable failure puts the row and its
 * lane's later ones back for a retry (handling them now would put them first) and holds every lane
 * for `deadlineMs` without trying (an outage of what the rows are owed to costs one deadline, not
 * one per row). `drainOnce` is one claim's worth; `startDrain` keeps claiming while rows are in hand.
 */
import { inParallel } from '../lib/in-parallel';
import { logger } from '../lib/logger';

export interface Outbox<Row> {
  name: string;
  /** Claims up to `limit` due rows (outbox/claim.ts). */
  claim(limit: number): Promise<Row[]>;
  /** The lane a row waits in: rows of one lane are handled in claim order. */
  laneOf(row: Row): string;
  /** Handles one row; a throw is a retryable failure (a permanent one is the handler's to record). */
  handle(row: Row): Promise<void>;
  /** After a retryable failure: these rows wait for their retry (retryAtSql). */
  retryLater(rows: Row[], err: unknown): Promise<void>;
  /** Rows claimed but not tried when a pass is aborted: due again now, not after their lease. */
  release(rows: Row[]): Promise<void>;
}

export interface DrainOptions {
  /** Rows claimed at once. */
  batch: number;
  /** Lanes handled at once. */
  parallel: number;
  /** After a retryable failure every lane holds this long without trying. */
  deadlineMs: number;
}

export type DrainTally = { done: number; retrying: number };

/** Shared by the lanes of a drain: until when nothing is tried, after a retryable failure. */
interface Outage {
  until: number;
}

const lanesOf = <Row>(outbox: Outbox<Row>, rows: Row[]): Map<string, Row[]> => {
  const map = new Map<string, Row[]>();
  for (const row of rows) {
    const lane = outbox.laneOf(row);
    map.set(lane, [...(map.get(lane) ?? []), row]);
  }
  return map;
};

async function drainLane<Row>(outbox: Outbox<Row>, o: DrainOptions, rows: Row[], outage: Outage, tally: DrainTally, abort?: AbortSignal): Promise<void> {
  for (const [i, row] of rows.entries()) {
    if (abort?.aborted) return outbox.release(rows.slice(i));
    try {
      if (Date.now() < outage.until) throw new Error(`${outbox.name}: what the rows are owed to did not answer a moment ago`);
      await outbox.handle(row);
      tally.done++;
    } catch (err) {
      outage.until = Math.max(outage.until, Date.now() + o.deadlineMs);
      const waiting = rows.slice(i);
      tally.retrying += waiting.length;
      await outbox.retryLater(waiting, err).catch((e: unknown) => logger.warn({ err: e, outbox: outbox.name }, 'could not record a retryable failure; the lease will expire'));
      return;
    }
  }
}

/** Claims one batch and handles all of it; with `abort`, rows not yet tried are released. */
export async function drainOnce<Row>(outbox: Outbox<Row>, o: DrainOptions, abort?: AbortSignal): Promise<DrainTally & { claimed: number }> {
  const claimed = await outbox.claim(o.batch);
  const tally = { done: 0, retrying: 0 };
  const outage = { until: 0 };
  await inParallel([...lanesOf(outbox, claimed).values()], o.parallel, (rows) => drainLane(outbox, o, rows, outage, tally, abort));
  return { ...tally, claimed: claimed.length };
}

export interface DrainHandle {
  /** Rows were written in this process: look now rather than at the next poll. */
  wake(): void;
  /** Finishes the rows in hand, then returns. */
  stop(): Promise<void>;
}

/**
 * Drains `outbox` until `stop()`. Pipelined: as soon as a lane is done the next claimed lane starts,
 * while the loop claims more whenever fewer than a batch are in hand. An idle drain looks every
 * `idlePollMs` for rows other processes wrote; `wake` makes it look at once.
 */
export function startDrain<Row>(outbox: Outbox<Row>, o: DrainOptions & { idlePollMs: number; idOf: (row: Row) => string | number }): DrainHandle {
  let stopped = false;
  let nudged = false;
  let wake: () => void = () => {};
  const rest = (ms: number) =>
    new Promise<void>((done) => {
      const timer = setTimeout(done, ms);
      wake = () => {
        clearTimeout(timer);
        done();
      };
    });

  /** Claimed rows by lane, in the order the lanes were claimed; `waiting` lanes have no runner yet. */
  const queues = new Map<string, Row[]>();
  const waiting: string[] = [];
  const held = new Set<string | number>();
  let lanes = 0;
  let drained: () => void = () => {};
  const outage: Outage = { until: 0 };
  const tally: DrainTally = { done: 0, retrying: 0 };
  let handFull = false;

  const take = (rows: Row[]) => {
    for (const [lane, mine] of lanesOf(outbox, rows.filter((r) => !held.has(o.idOf(r))))) {
      for (const r of mine) held.add(o.idOf(r));
      const queue = queues.get(lane);
      if (queue) queue.push(...mine);
      else {
        queues.set(lane, mine);
        waiting.push(lane);
      }
    }
    startLanes();
  };
  const startLanes = () => {
    while (lanes < o.parallel && waiting.length) {
      const lane = waiting.shift()!;
      lanes++;
      void runLane(lane).finally(() => {
        lanes--;
        startLanes();
        if (!lanes) drained();
        // Room for more: the claim loop rests on a full hand until a lane is done.
        if (handFull) wake();
      });
    }
  };
  const runLane = async (lane: string) => {
    for (let rows = queues.get(lane)!; rows.length; rows = queues.get(lane)!) {
      queues.set(lane, []);
      await drainLane(outbox, o, rows, outage, tally).catch((err: unknown) => logger.error({ err, outbox: outbox.name }, 'a lane could not be drained'));
      for (const r of rows) held.delete(o.idOf(r));
    }
    queues.delete(lane);
  };

  let failures = 0;
  const loop = (async () => {
    while (!stopped) {
      nudged = false;
      let full = false;
      const room = o.batch - held.size;
      if (room > 0 && Date.now() >= outage.until) {
        try {
          const rows = await outbox.claim(room);
          failures = 0;
          full = rows.length === room;
          take(rows);
        } catch (err) {
          // The database itself is out of reach: back off, up to 10 s between looks.
          failures++;
          logger.warn({ err, outbox: outbox.name }, 'could not claim rows; will retry');
          await rest(Math.min(10_000, 250 * 2 ** failures));
          continue;
        }
      }
      if (tally.retrying) logger.info({ outbox: outbox.name, ...tally }, 'some rows wait for a retry');
      tally.done = tally.retrying = 0;
      // A full claim may have more behind it, and a nudge came after the claim's snapshot.
      handFull = held.size >= o.batch;
      if ((full || nudged) && !handFull) continue;
      await rest(Date.now() < outage.until ? outage.until - Date.now() : o.idlePollMs);
    }
  })();
  return {
    wake() {
      nudged = true;
      wake();
    },
    async stop() {
      stopped = true;
      wake();
      await loop;
      if (lanes) await new Promise<void>((done) => (drained = done));
    },
  };
}
