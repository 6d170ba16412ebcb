/** Connecting to Temporal, and registering Cascade's search attributes where they are missing. */
import { Connection } from '@temporalio/client';
import { searchAttributes } from '../workflows/contract';
import type { Config } from './config';

export async function connectTemporal(address: string): Promise<Connection> {
  return Connection.connect({ address });
}

/** The dev server gets them as start flags; an existing cluster gets them here, once. */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = searchAttributes.filter((a) => !(a.name in (customAttributes ?? {})));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    // 2 = INDEXED_VALUE_TYPE_KEYWORD in temporal.api.enums.v1
    searchAttributes: Object.fromEntries(missing.map((a) => [a.name, 2])),
  });
}

/** `--search-attribute` flags for `temporal server start-dev`. */
export const devServerSearchAttributeArgs = searchAttributes.flatMap((a) => ['--search-attribute', `${a.name}=Keyword`]);

/**
 * How the dev server stores history and how fast it may be asked, for `npm start` and the benchmark
 * alike. Write-ahead logging lets readers and the writer proceed together and turns each commit into
 * one append; `synchronous` says how often that append is flushed to disk: `full` at every commit,
 * `normal` at checkpoints only (a power cut can lose the last commits, never corrupt the file),
 * `off` never (an OS crash or power cut can corrupt it). A crash of the process loses nothing under
 * any of them: the writes are in the OS already. Measured in bench/dev-server-pragmas.ts; README.
 * The frontend's rate limits (2,400 requests/s by default) are raised so that the server's own
 * capacity, not a limiter, sets the pace of a burst.
 */
export function devServerTuningArgs(sync: Config['CASCADE_TEMPORAL_SQLITE_SYNC']): string[] {
  return [
    '--sqlite-pragma', 'journal_mode=wal',
    '--sqlite-pragma', `synchronous=${sync}`,
    '--dynamic-config-value', 'frontend.rps=20000',
    '--dynamic-config-value', 'frontend.namespaceRPS=20000',
  ];
}
