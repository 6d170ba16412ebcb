/**
 * Import rate against a plain COPY of the same rows. Cascade's figure is the import module called
 * with a stream of NDJSON (import/parse.ts → import/customers.ts: parse, the PUT schema on each
 * row, batched upserts), not through HTTP; the baseline is `COPY … FROM STDIN` of the same profile
 * columns into an empty copy of the customers table on the same server. Rows carry an email, an
 * E.164 phone, a name, a city, a time zone and attributes; no consents (COPY writes no audit rows).
 * A second figure imports the same rows with two consents each (consent rows and their audit rows).
 *
 *   BENCH_ONLY=import BENCH_IMPORT_ROWS=200000 npm run bench
 */
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Client } from '@temporalio/client';
import postgres from 'postgres';
import type { Db } from '../db/client';
import { importCustomers } from '../import/customers';
import { rowsOf } from '../import/parse';

const CITIES = ['Moscow', 'Kazan', 'Tver', 'Samara'];

function row(i: number) {
  return {
    id: `ib-${i}`,
    email: `ib-${i}@example.com`,
    phone: `+7916${String(1_000_000 + i).slice(-7)}`,
    name: `Customer ${i}`,
    city: CITIES[i % CITIES.length]!,
    timeZone: 'Europe/Moscow',
    attributes: { visits: i % 17 },
  };
}

/** The rows in chunks of 1,000, generated as they are read. */
function chunks(n: number, line: (i: number) => string): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < n; i += 1000) {
        let chunk = '';
        for (let j = i; j < Math.min(n, i + 1000); j++) chunk += line(j);
        yield chunk;
      }
    })(),
  );
}

// COPY text format: tab-separated, \N for null; our values hold no tab, newline or backslash.
const copyLine = (i: number) => {
  const r = row(i);
  return `${r.id}\t${r.email}\t${r.phone}\t${r.name}\t${r.city}\t${r.timeZone}\t${JSON.stringify(r.attributes)}\n`;
};

export async function benchImport(stack: { db: Db; pgUrl: string; client?: Client; taskQueue?: string }): Promise<Record<string, number | string>> {
  const n = Number(process.env.BENCH_IMPORT_ROWS ?? 200_000);
  const sql = postgres(stack.pgUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`drop table if exists bench_copy_customers`;
    await sql`create table bench_copy_customers (like customers including all)`;
    const c0 = performance.now();
    const copy = await sql`copy bench_copy_customers (id, email, phone, name, city, time_zone, attributes) from stdin`.writable();
    await pipeline(chunks(n, copyLine), copy);
    const copySeconds = (performance.now() - c0) / 1000;

    const i0 = performance.now();
    const report = await importCustomers(stack.db, rowsOf(chunks(n, (i) => JSON.stringify(row(i)) + '\n'), 'ndjson', { maxRows: n, maxBytes: Number.MAX_SAFE_INTEGER }), { actor: 'bench' });
    const importSeconds = (performance.now() - i0) / 1000;
    if (report.accepted !== n) throw new Error(`import accepted ${report.accepted} of ${n} rows: ${JSON.stringify(report.rejected.slice(0, 3))}`);

    // The same rows as new customers with email and SMS consent: two consent rows and two audit rows each.
    const withConsents = (i: number) => JSON.stringify({ ...row(i), id: `ibc-${i}`, consents: { email: true, sms: true } }) + '\n';
    const k0 = performance.now();
    const consented = await importCustomers(stack.db, rowsOf(chunks(n, withConsents), 'ndjson', { maxRows: n, maxBytes: Number.MAX_SAFE_INTEGER }), { actor: 'bench' });
    const consentSeconds = (performance.now() - k0) / 1000;
    if (consented.accepted !== n) throw new Error(`import with consents accepted ${consented.accepted} of ${n} rows`);
    await sql`drop table bench_copy_customers`;
    const importRate = Math.round(n / importSeconds);
    const copyRate = Math.round(n / copySeconds);
    return {
      importRows: n,
      importRowsPerSecond: importRate,
      copyRowsPerSecond: copyRate,
      importVsCopy: Number((importRate / copyRate).toFixed(2)),
      importWithConsentsRowsPerSecond: Math.round(n / consentSeconds),
      importPath: 'import module on an NDJSON stream (parse, PUT schema per row, batched upserts); COPY of the same columns into an empty copy of customers',
    };
  } finally {
    await sql.end();
  }
}
