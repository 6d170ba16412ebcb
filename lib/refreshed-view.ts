/**
 * A small table every process keeps in memory, read whole in the background every couple of
 * seconds, so that the hot path asks memory instead of the database (journey settings, webhook
 * subscriptions). One view per database and kind in a process; a change made by this process is
 * seen at once through `refresh`, one made elsewhere within REFRESH_MS.
 */
import { logger } from './logger';

const REFRESH_MS = 2_000;
/** A read older than this (the background refresh is failing) is not trusted: the next ask reads again. */
const STALE_MS = 10_000;

export interface RefreshedView<T> {
  /** The rows, at most a refresh old. */
  current(): Promise<T>;
  /** Reads them now. */
  refresh(): Promise<void>;
}

/** The process's view of `load(db)`, one per database for each `views` map. */
export function refreshedView<D extends object, T>(views: WeakMap<D, RefreshedView<T>>, db: D, load: (db: D) => Promise<T>, what: string): RefreshedView<T> {
  let view = views.get(db);
  if (!view) views.set(db, (view = watch(() => load(db), what)));
  return view;
}

function watch<T>(load: () => Promise<T>, what: string): RefreshedView<T> {
  let last: { at: number; value: T } | undefined;
  let reading: Promise<T> | undefined;
  const read = () =>
    (reading ??= load()
      .then((value) => {
        last = { at: Date.now(), value };
        return value;
      })
      .finally(() => (reading = undefined)));
  // Unref'd: the view never keeps a process alive, and a process that closed its database only logs.
  setInterval(() => read().catch((err: unknown) => logger.debug({ err }, `${what} not refreshed`)), REFRESH_MS).unref();
  return {
    current: async () => (last && Date.now() - last.at < STALE_MS ? last.value : await read()),
    async refresh() {
      await reading;
      await read();
    },
  };
}
