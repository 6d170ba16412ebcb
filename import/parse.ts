/**
 * The rows of an import body, read as they arrive: NDJSON (one JSON object a line) or CSV (a header
 * row, then one row a line; a dotted column like `consents.email` fills a nested field). Nothing
 * holds the whole body: lines are parsed one by one, and the reader waits while the caller writes
 * (async iteration is the back-pressure). Each row carries its line number; a line that is not a
 * row (malformed JSON, a wrong number of CSV columns, a broken quote) comes out as a rejected row
 * instead, and the rest of the file still comes. No row is held past `maxRecordBytes`: a longer
 * NDJSON line is dropped as it arrives and rejected; a longer CSV record (an unclosed quote takes in
 * the rest of the file, so where it ends cannot be known) stops the import with a 413.
 */
import { Transform, type Readable } from 'node:stream';
import { parse as parseCsv, type CsvError } from 'csv-parse';
import { HttpError } from '../lib/http-error';
import type { Config } from '../lib/config';

export type ImportFormat = 'ndjson' | 'csv';

export type RawRow = { line: number; value: Record<string, unknown> } | { line: number; problem: { field?: string; error: string } };

export interface ImportLimits {
  /** Rows one request may carry. */
  maxRows: number;
  /** Bytes one request may carry. */
  maxBytes: number;
  /** Bytes one NDJSON line or CSV record may carry (default MAX_RECORD_BYTES). */
  maxRecordBytes?: number;
}

/** A row is a customer or an order: 1 MiB is far past any real one, and bounds what a row costs in memory. */
export const MAX_RECORD_BYTES = 1024 ** 2;

/** The limits the environment sets (CASCADE_IMPORT_MAX_ROWS, CASCADE_IMPORT_MAX_BYTES). */
export const importLimitsOf = (config: Pick<Config, 'CASCADE_IMPORT_MAX_ROWS' | 'CASCADE_IMPORT_MAX_BYTES'>): ImportLimits => ({
  maxRows: config.CASCADE_IMPORT_MAX_ROWS,
  maxBytes: config.CASCADE_IMPORT_MAX_BYTES,
});

/** How a CSV cell becomes a field value, given its dotted column split into a path. Undefined: the field is absent. */
export type CellReader = (path: string[], cell: string) => unknown;

const NDJSON_TYPES = ['application/x-ndjson', 'application/jsonl', 'application/jsonlines'];

/** The format a Content-Type names, or undefined for one we do not read. */
export function formatOf(contentType: string | undefined): ImportFormat | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (!type) return undefined;
  if (NDJSON_TYPES.includes(type)) return 'ndjson';
  if (type === 'text/csv') return 'csv';
  return undefined;
}

/** Empty CSV cells mean "not given" (a column for a field only some rows have); strings stay strings. */
export const plainCell: CellReader = (_path, cell) => (cell === '' ? undefined : cell);

export async function* rowsOf(body: Readable, format: ImportFormat, limits: ImportLimits, readCell: CellReader = plainCell): AsyncGenerator<RawRow> {
  let bytes = 0;
  const counted = body.pipe(
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        if (bytes > limits.maxBytes) done(new HttpError(413, 'body_too_large', `An import may carry at most ${limits.maxBytes} bytes; split the file (rows before the limit are stored, and re-importing them changes nothing)`));
        else done(null, chunk);
      },
    }),
  );
  body.on('error', (err) => counted.destroy(err));
  let rows = 0;
  const maxRecord = limits.maxRecordBytes ?? MAX_RECORD_BYTES;
  const source = format === 'ndjson' ? ndjsonRows(counted, maxRecord) : csvRows(counted, readCell, maxRecord);
  for await (const row of source) {
    if (++rows > limits.maxRows) {
      throw new HttpError(413, 'too_many_rows', `An import may carry at most ${limits.maxRows} rows; split the file (rows before the limit are stored, and re-importing them changes nothing)`);
    }
    yield row;
  }
}

async function* ndjsonRows(input: Readable, maxRecord: number): AsyncGenerator<RawRow> {
  let line = 0;
  for await (const text of linesOf(input, maxRecord)) {
    line++;
    if (text === null) {
      yield { line, problem: { error: `a line may carry at most ${maxRecord} bytes; this one is longer and was skipped` } };
      continue;
    }
    if (!text.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      yield { line, problem: { error: `not valid JSON: ${(err as Error).message}` } };
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) yield { line, problem: { error: 'each line must be one JSON object' } };
    else yield { line, value: value as Record<string, unknown> };
  }
}

/**
 * The lines of a byte stream (LF or CRLF), each decoded as UTF-8. A line past `max` bytes comes
 * out as null: its bytes are dropped as they arrive, so a file of one endless line costs a chunk.
 */
async function* linesOf(input: Readable, max: number): AsyncGenerator<string | null> {
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  const take = (): string | null => {
    const text = tooLong ? null : (parts.length === 1 ? parts[0]! : Buffer.concat(parts, size)).toString('utf8');
    parts = [];
    size = 0;
    tooLong = false;
    return text !== null && text.endsWith('\r') ? text.slice(0, -1) : text;
  };
  for await (const chunk of input as AsyncIterable<Buffer>) {
    let from = 0;
    for (;;) {
      const newline = chunk.indexOf(10, from);
      const to = newline === -1 ? chunk.length : newline;
      if (!tooLong && size + (to - from) > max) {
        tooLong = true;
        parts = [];
        size = 0;
      } else if (!tooLong && to > from) {
        parts.push(chunk.subarray(from, to));
        size += to - from;
      }
      if (newline === -1) break;
      yield take();
      from = newline + 1;
    }
  }
  if (size || tooLong) yield take();
}

async function* csvRows(input: Readable, readCell: CellReader, maxRecord: number): AsyncGenerator<RawRow> {
  const skipped: RawRow[] = [];
  let lastSkippedLine = 0;
  // Where the last record ended: a record too long to hold starts after it.
  let lastLine = 0;
  const parser = input.pipe(
    parseCsv({
      columns: checkedHeader,
      bom: true,
      info: true,
      skip_empty_lines: true,
      max_record_size: maxRecord,
      on_record: (record: unknown, context: { lines: number }) => {
        lastLine = context.lines;
        return record;
      },
      // A bad record is reported and skipped; the parser goes on with the next line.
      skip_records_with_error: true,
      on_skip: (err: CsvError | undefined) => {
        // Thrown here, it stops the parser: after a record this long, where the next one starts is unknown.
        if (err?.code === 'CSV_MAX_RECORD_SIZE') {
          throw new HttpError(413, 'record_too_large', `line ${lastLine + 1}: a CSV record may carry at most ${maxRecord} bytes (an unclosed quote takes in the rest of the file); fix it and send the rows from there again`);
        }
        // A broken quote can also leave the file's end unclosed: one problem per line, the first.
        if (err && lastSkippedLine !== Number(err.lines)) {
          lastSkippedLine = Number(err.lines);
          lastLine = lastSkippedLine;
          skipped.push({ line: lastSkippedLine, problem: { error: err.message } });
        }
        return undefined;
      },
    }),
  );
  input.on('error', (err) => parser.destroy(err));
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      yield* skipped.splice(0);
      yield { line: info.lines, value: nest(record, readCell) };
    }
  } catch (err) {
    // What csv-parse cannot skip (a bad header) sinks the file: a 400, not a 500.
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('CSV_')) throw new HttpError(400, 'invalid_csv', (err as Error).message, 'header');
    throw err;
  }
  yield* skipped.splice(0);
}

/** Every column named, once: a repeated or empty name would silently drop a cell. */
function checkedHeader(header: string[]): string[] {
  const seen = new Set<string>();
  for (const [i, name] of header.entries()) {
    if (!name.trim()) throw new HttpError(400, 'invalid_csv', `header: column ${i + 1} has no name`, 'header');
    if (seen.has(name)) throw new HttpError(400, 'invalid_csv', `header: column ${name} is named twice`, 'header');
    seen.add(name);
  }
  return header;
}

/** `{ "consents.email": "true" }` → `{ consents: { email: true } }`, each cell read by its path. */
function nest(record: Record<string, string>, readCell: CellReader): Record<string, unknown> {
  // Prototype-less objects: a column named `__proto__.x` is then a field like any other (refused by the schema).
  const out: Record<string, unknown> = Object.create(null);
  for (const [column, cell] of Object.entries(record)) {
    const path = column.split('.');
    const value = readCell(path, cell);
    if (value === undefined) continue;
    let at = out;
    for (const key of path.slice(0, -1)) {
      const next = at[key];
      at = (next && typeof next === 'object' ? next : (at[key] = Object.create(null))) as Record<string, unknown>;
    }
    at[path.at(-1)!] = value;
  }
  return out;
}
