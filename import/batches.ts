/**
 * The loop every import shares: each row checked by the schema of its API twin (a bad row is
 * rejected with its line and field, the others go on), good rows written in batches, one
 * transaction each, a few at once while the next batch is being read and checked. A repeated id
 * waits for its earlier row to commit, so a later row of the file wins over an earlier one, as two
 * API calls in that order would.
 */
import type { z } from 'zod';
import { HttpError, problemOf } from '../lib/http-error';
import type { RawRow } from './parse';

export interface Rejected {
  line: number;
  field?: string;
  error: string;
}

export interface BatchResult {
  rejected: Rejected[];
  /** What the writer counts (created, updated…), summed over batches. */
  counts: Record<string, number>;
  /** Notes about accepted rows the caller should see (consents refused…), capped with the rejected list's cap. */
  notes?: Array<Record<string, unknown>>;
}

export interface ImportReport {
  accepted: number;
  rejected: Rejected[];
  /** Every rejected row; `rejected` lists the first MAX_LISTED by line. */
  rejectedTotal: number;
  counts: Record<string, number>;
  notes: Array<Record<string, unknown>>;
}

/** Rows per batch: one multi-row statement each, well under Postgres's 65,535 bound parameters. */
export const BATCH_ROWS = 1000;
/** Batches written at once, each on its own connection, while the next is read. */
export const PARALLEL_BATCHES = 3;
/** Rejected rows listed in the answer; the total is always given. */
export const MAX_LISTED = 1000;

export async function runImport<S extends z.ZodType<{ id: string }>>(
  rows: AsyncIterable<RawRow>,
  opts: { schema: S; write: (batch: Array<{ line: number; value: z.infer<S> }>) => Promise<BatchResult>; batchRows?: number; parallel?: number },
): Promise<ImportReport> {
  const size = opts.batchRows ?? BATCH_ROWS;
  const parallel = opts.parallel ?? PARALLEL_BATCHES;
  const report: ImportReport = { accepted: 0, rejected: [], rejectedTotal: 0, counts: {}, notes: [] };
  const reject = (r: Rejected) => {
    report.rejectedTotal++;
    if (report.rejected.length < MAX_LISTED) report.rejected.push(r);
  };
  const take = (result: BatchResult, written: number) => {
    result.rejected.forEach(reject);
    report.accepted += written - result.rejected.length;
    for (const [k, n] of Object.entries(result.counts)) report.counts[k] = (report.counts[k] ?? 0) + n;
    for (const note of result.notes ?? []) if (report.notes.length < MAX_LISTED) report.notes.push(note);
  };

  let batch: Array<{ line: number; value: z.infer<S> }> = [];
  let ids = new Set<string>();
  // Batches being written while the next is read, oldest first, each settled into a value so a
  // failure waits to be collected. Their ids, so a row repeating one waits for it to commit.
  const inFlight: Array<{ ids: Set<string>; done: Promise<{ size: number; result?: BatchResult; err?: unknown }> }> = [];
  const collectOne = async () => {
    const done = await inFlight.shift()!.done;
    if (done.err) throw done.err;
    take(done.result!, done.size);
  };
  const collect = async () => {
    while (inFlight.length) await collectOne();
  };
  const flush = async () => {
    if (!batch.length) return;
    const full = batch;
    const fullIds = ids;
    batch = [];
    ids = new Set();
    while (inFlight.length >= parallel) await collectOne();
    inFlight.push({
      ids: fullIds,
      done: opts.write(full).then(
        (result) => ({ size: full.length, result }),
        (err: unknown) => ({ size: full.length, err }),
      ),
    });
  };

  try {
    for await (const row of rows) {
      if ('problem' in row) {
        reject({ line: row.line, ...row.problem });
        continue;
      }
      const parsed = opts.schema.safeParse(row.value);
      if (!parsed.success) {
        const { message, field } = problemOf(parsed.error);
        reject({ line: row.line, ...(field ? { field } : {}), error: message });
        continue;
      }
      const value = parsed.data as z.infer<S>;
      if (ids.has(value.id) || batch.length >= size) await flush();
      // The same id in a batch still being written: the earlier row must commit first, as two calls in order would.
      if (inFlight.some((b) => b.ids.has(value.id))) await collect();
      ids.add(value.id);
      batch.push({ line: row.line, value });
    }
    await flush();
    await collect();
  } catch (err) {
    // Over a limit mid-file: what came before is stored (each batch is its own transaction); say how much.
    if (err instanceof HttpError && err.status === 413) {
      await flush();
      await collect();
      throw new HttpError(413, err.code, `${err.message}. Stored before the limit: ${report.accepted} rows`);
    }
    await collect().catch(() => undefined);
    throw err;
  }
  report.rejected.sort((a, b) => a.line - b.line);
  return report;
}
