/**
 * Loading a base over HTTP on real parts (Postgres, the API with its router, Temporal with a worker):
 * NDJSON and CSV files with bad rows are answered row by row and every good row is stored; the same
 * file again changes nothing; an import cannot lift an unsubscribe; imported orders start nothing;
 * a large file streams through.
 */
import { Readable } from 'node:stream';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiHandle } from '../processes/api';
import { unsubscribe } from '../contactability/unsubscribe';
import type { Database } from '../db/client';
import { consentChanges, consents, customers, events, journeyRuns, messages, orders, pushTokens } from '../db/schema';
import { TEST_API_KEY, seedCustomer, useCascadeApi } from './support/cascade';
import { rowCounts } from './support/row-counts';
import { taskQueue } from './support/temporal';

const cascade = useCascadeApi('dev-server');

const db = () => cascade.database.db;
const NDJSON = 'application/x-ndjson';
const CSV = 'text/csv';
// Response bodies are checked by matchers, not by types.
type Answer = Record<string, any>;

async function post(path: string, type: string, body: string | ReadableStream, base = cascade.api.url): Promise<{ status: number; body: Answer }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': type },
    body,
    ...(typeof body === 'string' ? {} : { duplex: 'half' }),
  } as RequestInit);
  return { status: res.status, body: (await res.json()) as Answer };
}
const lines = (...rows: Array<string | object>) => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
const customer = async (id: string) => (await db().select().from(customers).where(eq(customers.id, id)))[0];
const consentRows = (id: string) => db().select({ channel: consents.channel, topic: consents.topic, granted: consents.granted }).from(consents).where(eq(consents.customerId, id)).orderBy(consents.channel);

/** A request body sent as it is generated: neither side ever holds it whole. */
const streamed = (chunks: Iterable<string | Buffer> | AsyncIterable<string | Buffer>) => Readable.toWeb(Readable.from(chunks)) as ReadableStream;

const customersFile = lines(
  { id: 'imp-anna', email: 'Anna@Example.com', phone: '+7 912 345-67-89', name: 'Anna', timeZone: 'Europe/Moscow', consents: { email: true, sms: true }, attributes: { tier: 'gold' }, pushTokens: ['token-anna-0001'] },
  { id: 'imp-bad-email', email: 'not-an-email' },
  { id: 'imp-bad-phone', phone: '12' },
  { email: 'no-id@example.com' },
  '{"id":"imp-broken",',
  '',
  { id: 'imp-boris', email: 'boris@example.com', birthday: '1990-02-28', consents: { sms: false } },
  { id: 'imp-colour', colour: 'red' },
  { id: 'imp-bad-consent', consents: { email: 'yes' } },
  { id: 'imp-odd', name: 'NULL', city: 'a "b", {c} \\ d\'e', locale: 'en', attributes: { note: '{"x": [1, null]}', "k'); drop table customers; --": "'); drop table orders; --" } },
);

describe('POST /v1/import/customers (NDJSON)', () => {
  it('answers each bad row with its line and field and stores every good one', async () => {
    const { status, body } = await post('/v1/import/customers', NDJSON, customersFile);
    expect(status).toBe(200);
    expect(body).toMatchObject({ accepted: 3, created: 3, updated: 0, unchanged: 0, rejectedTotal: 6, consentsRefused: [] });
    expect(body.rejected.map((r: Answer) => [r.line, r.field])).toEqual([
      [2, 'email'],
      [3, 'phone'],
      [4, 'id'],
      [5, undefined],
      [8, 'colour'],
      [9, 'consents.email'],
    ]);
    expect(body.rejected[3].error).toMatch(/not valid JSON/);

    const anna = await customer('imp-anna');
    // The same rules as PUT /v1/customers/:id: lower-cased email, E.164 phone.
    expect(anna).toMatchObject({ email: 'anna@example.com', phone: '+79123456789', name: 'Anna', timeZone: 'Europe/Moscow', attributes: { tier: 'gold' } });
    expect(await consentRows('imp-anna')).toEqual([
      { channel: 'email', topic: '*', granted: true },
      { channel: 'sms', topic: '*', granted: true },
    ]);
    expect(await db().select({ customerId: pushTokens.customerId }).from(pushTokens).where(eq(pushTokens.token, 'token-anna-0001'))).toEqual([{ customerId: 'imp-anna' }]);
    expect(await customer('imp-boris')).toMatchObject({ birthday: '1990-02-28', timeZone: 'UTC' });
    // Values travel as array parameters: quotes, commas, braces, backslashes and the word NULL arrive as sent.
    expect(await customer('imp-odd')).toMatchObject({
      name: 'NULL',
      city: 'a "b", {c} \\ d\'e',
      attributes: { note: '{"x": [1, null]}', "k'); drop table customers; --": "'); drop table orders; --" },
    });
    for (const id of ['imp-bad-email', 'imp-bad-phone', 'imp-broken', 'imp-colour', 'imp-bad-consent']) expect(await customer(id)).toBeUndefined();
    const audit = await db().select().from(consentChanges).where(eq(consentChanges.customerId, 'imp-anna'));
    expect(audit.map((c) => [c.channel, c.granted, c.applied, c.source])).toEqual(
      expect.arrayContaining([
        ['email', true, true, 'import'],
        ['sms', true, true, 'import'],
      ]),
    );
  });

  it('the same file again changes nothing: no row, no updated_at, no consent history', async () => {
    const before = await rowCounts(db());
    const annaBefore = await customer('imp-anna');
    const { body } = await post('/v1/import/customers', NDJSON, customersFile);
    expect(body).toMatchObject({ accepted: 3, created: 0, updated: 0, unchanged: 3, rejectedTotal: 6 });
    expect(await rowCounts(db())).toEqual(before);
    expect((await customer('imp-anna'))!.updatedAt).toEqual(annaBefore!.updatedAt);
  });

  it('a changed row updates only what it gives; a later row of the same id wins', async () => {
    const { body } = await post(
      '/v1/import/customers',
      NDJSON,
      lines({ id: 'imp-anna', city: 'Kazan' }, { id: 'imp-boris', name: 'Boris' }, { id: 'imp-boris', name: 'Boris B.' }),
    );
    expect(body).toMatchObject({ accepted: 3, created: 0, updated: 3, rejectedTotal: 0 });
    expect(await customer('imp-anna')).toMatchObject({ city: 'Kazan', name: 'Anna', email: 'anna@example.com' });
    expect((await customer('imp-boris'))!.name).toBe('Boris B.');
  });

  it('cannot lift an unsubscribe: the grant is refused, recorded and reported', async () => {
    await seedCustomer(db(), { id: 'imp-gone', email: 'gone@example.com', consent: ['email'] });
    await unsubscribe(db(), { customerId: 'imp-gone', channel: 'email' });
    const { body } = await post('/v1/import/customers', NDJSON, lines({ id: 'imp-gone', consents: { email: true } }));
    expect(body.accepted).toBe(1);
    expect(body.consentsRefused).toEqual([{ line: 1, id: 'imp-gone', channel: 'email', note: expect.stringMatching(/refused: the customer withdrew by unsubscribe/) }]);
    expect(await consentRows('imp-gone')).toEqual([{ channel: 'email', topic: '*', granted: false }]);
    const refused = await db().select().from(consentChanges).where(eq(consentChanges.customerId, 'imp-gone'));
    expect(refused.filter((c) => c.source === 'import').map((c) => [c.granted, c.applied])).toEqual([[true, false]]);
  });

  it('refuses an implausible date of birth on birthday, by the same rule as PUT /v1/customers/:id', async () => {
    const nextWeek = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    const { body } = await post(
      '/v1/import/customers',
      NDJSON,
      lines({ id: 'imp-born-2999', birthday: '2999-01-01' }, { id: 'imp-born-soon', birthday: nextWeek }, { id: 'imp-born-1901', birthday: '1901-01-01' }, { id: 'imp-born-1950', birthday: '1950-06-15' }),
    );
    expect(body).toMatchObject({ accepted: 1, rejectedTotal: 3 });
    expect(body.rejected.map((r: Answer) => [r.line, r.field])).toEqual([
      [1, 'birthday'],
      [2, 'birthday'],
      [3, 'birthday'],
    ]);
    expect(body.rejected[0].error).toMatch(/^birthday: a date of birth cannot be in the future/);
    expect(body.rejected[2].error).toMatch(/^birthday: a date of birth more than 120 years back/);
    const put = await fetch(`${cascade.api.url}/v1/customers/imp-born-2999`, { method: 'PUT', headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' }, body: '{"birthday":"2999-01-01"}' });
    expect(put.status).toBe(400);
    expect(await put.json()).toMatchObject({ error: { field: 'birthday' } });
    expect(await customer('imp-born-2999')).toBeUndefined();
    expect(await customer('imp-born-1950')).toMatchObject({ birthday: '1950-06-15' });
  });

  it('takes only NDJSON or CSV (415 naming content-type)', async () => {
    const { status, body } = await post('/v1/import/customers', 'application/json', '{"id":"x"}');
    expect(status).toBe(415);
    expect(body.error.field).toBe('content-type');
  });
});

describe('POST /v1/import/customers (CSV)', () => {
  it('reads dotted columns into nested fields and reports bad rows by line', async () => {
    const csv = [
      'id,email,phone,timeZone,consents.email,attributes.tier,attributes.visits,attributes.zip',
      'csv-1,csv1@example.com,89161234567,Europe/Moscow,true,silver,12,007',
      'csv-2,csv2@example.com,,Mars/Olympus,false,,,',
      'csv-3,csv3@example.com',
      'csv-4,,,,,,,',
      'csv-5,"broken"quote,,,,,,',
    ].join('\n');
    const { status, body } = await post('/v1/import/customers', CSV, csv);
    expect(status).toBe(200);
    expect(body).toMatchObject({ accepted: 2, created: 2 });
    expect(body.rejected.map((r: Answer) => [r.line, r.field])).toEqual([
      [3, 'timeZone'],
      [4, undefined],
      [6, undefined],
    ]);
    expect(body.rejected[1].error).toMatch(/columns length/);
    expect(await customer('csv-1')).toMatchObject({ phone: '+79161234567', timeZone: 'Europe/Moscow', attributes: { tier: 'silver', visits: 12, zip: '007' } });
    expect(await consentRows('csv-1')).toEqual([{ channel: 'email', topic: '*', granted: true }]);
    // Empty cells are left out: the row is just an id.
    expect(await customer('csv-4')).toMatchObject({ email: null, timeZone: 'UTC', attributes: {} });
    expect(await customer('csv-2')).toBeUndefined();
  });

  it('refuses a header with a repeated or unnamed column (400 on header), storing nothing', async () => {
    for (const header of ['id,email,email', 'id,,email']) {
      const { status, body } = await post('/v1/import/customers', CSV, `${header}\ncsv-h,a@example.com,b@example.com\n`);
      expect([header, status, body.error?.field]).toEqual([header, 400, 'header']);
    }
    expect(await customer('csv-h')).toBeUndefined();
  });
});

describe('POST /v1/import/orders', () => {
  const ordersFile = lines(
    { id: 'o-1', customerId: 'imp-anna', total: 1500.5, currency: 'RUB', source: 'online', placedAt: '2025-03-01T10:00:00Z' },
    { id: 'o-2', customerId: 'imp-anna', total: '2499.50', source: 'offline', placedAt: '2025-03-02T10:00:00+03:00' },
    { id: 'o-3', customerId: 'imp-anna', total: -5, source: 'online', placedAt: '2025-03-01T10:00:00Z' },
    { id: 'o-4', customerId: 'imp-anna', total: 1e10, source: 'online', placedAt: '2025-03-01T10:00:00Z' },
    { id: 'o-5', customerId: 'nobody', total: 10, source: 'online', placedAt: '2025-03-01T10:00:00Z' },
    { id: 'o-6', customerId: 'imp-anna', total: 10, source: 'kiosk', placedAt: '2025-03-01T10:00:00Z' },
    { id: 'o-7', customerId: 'imp-anna', total: 10, source: 'online', placedAt: 'yesterday' },
    { id: 'o-8', customerId: 'imp-boris', total: 99, currency: 'EUR', source: 'online', placedAt: '2025-03-03T12:00:00Z' },
  );

  it('stores good rows, names the field of each bad one, and starts no journey', async () => {
    const { status, body } = await post('/v1/import/orders', NDJSON, ordersFile);
    expect(status).toBe(200);
    expect(body).toMatchObject({ accepted: 3, created: 3, rejectedTotal: 5, journeys: expect.stringMatching(/^none started/) });
    expect(body.rejected.map((r: Answer) => [r.line, r.field])).toEqual([
      [3, 'total'],
      [4, 'total'],
      [5, 'customerId'],
      [6, 'source'],
      [7, 'placedAt'],
    ]);
    const stored = await db().select().from(orders).orderBy(orders.id);
    expect(stored.map((o) => [o.id, o.customerId, o.total, o.currency, o.source, o.placedAt.toISOString()])).toEqual([
      ['o-1', 'imp-anna', '1500.50', 'RUB', 'online', '2025-03-01T10:00:00.000Z'],
      ['o-2', 'imp-anna', '2499.50', 'RUB', 'offline', '2025-03-02T07:00:00.000Z'],
      ['o-8', 'imp-boris', '99.00', 'EUR', 'online', '2025-03-03T12:00:00.000Z'],
    ]);
    // Give the API's router time to route anything there were to route.
    await new Promise((r) => setTimeout(r, 2000));
    expect(await db().select().from(events)).toEqual([]);
    expect(await db().select().from(journeyRuns)).toEqual([]);
    expect(await db().select().from(messages)).toEqual([]);
  });

  it('the same file again changes nothing; a corrected total is an update', async () => {
    const before = await rowCounts(db());
    const again = await post('/v1/import/orders', NDJSON, ordersFile);
    expect(again.body).toMatchObject({ accepted: 3, created: 0, updated: 0, unchanged: 3 });
    expect(await rowCounts(db())).toEqual(before);
    const csv = 'id,customerId,total,currency,source,placedAt\no-1,imp-anna,1600,RUB,online,2025-03-01T10:00:00Z\n';
    const fixed = await post('/v1/import/orders', CSV, csv);
    expect(fixed.body).toMatchObject({ accepted: 1, created: 0, updated: 1 });
    expect((await db().select({ total: orders.total }).from(orders).where(eq(orders.id, 'o-1')))[0]!.total).toBe('1600.00');
  });
});

describe('a large file', () => {
  it('streams 50,000 rows through, batch by batch', async () => {
    const N = 50_000;
    let i = 0;
    // Generated as it is sent: neither side ever holds the file.
    const body = Readable.toWeb(
      Readable.from(
        (function* () {
          for (; i < N; i += 500) {
            let chunk = '';
            for (let j = i; j < i + 500; j++) chunk += JSON.stringify({ id: `bulk-${j}`, email: `bulk-${j}@example.com`, attributes: { n: j } }) + '\n';
            yield chunk;
          }
        })(),
      ),
    ) as ReadableStream;
    const { status, body: answer } = await post('/v1/import/customers', NDJSON, body);
    expect(status).toBe(200);
    expect(answer).toMatchObject({ accepted: N, created: N, rejectedTotal: 0 });
    const [row] = await db().select({ n: sql<number>`count(*)::int` }).from(customers).where(sql`${customers.id} like 'bulk-%'`);
    expect(row!.n).toBe(N);
    expect((await customer('bulk-49999'))!.attributes).toEqual({ n: 49999 });
  });
});

describe('limits', () => {
  let small: ApiHandle;
  beforeAll(async () => {
    small = await startApi({ db: db(), client: cascade.env.client, taskQueue, apiKeys: [TEST_API_KEY], port: 0, importLimits: { maxRows: 3, maxBytes: 10_000 } });
  });
  afterAll(async () => {
    await small?.stop();
  });

  it('past the row limit: 413, and the rows before it are stored', async () => {
    const file = lines(...[1, 2, 3, 4, 5].map((n) => ({ id: `lim-${n}` })));
    const { status, body } = await post('/v1/import/customers', NDJSON, file, `http://127.0.0.1:${small.port}`);
    expect(status).toBe(413);
    expect(body.error).toMatchObject({ code: 'too_many_rows', message: expect.stringMatching(/Stored before the limit: 3 rows/) });
    expect(await customer('lim-3')).toBeDefined();
    expect(await customer('lim-4')).toBeUndefined();
  });

  it('a streamed body (no length given) over the byte limit: 413 once it passes the limit', async () => {
    for (const format of [NDJSON, CSV]) {
      const head = format === CSV ? 'id,attributes.note\n' : '';
      const row = (n: number) => (format === CSV ? `stream-${n},${'y'.repeat(4000)}\n` : JSON.stringify({ id: `stream-${n}`, attributes: { note: 'y'.repeat(4000) } }) + '\n');
      const body = Readable.toWeb(Readable.from([head + row(1) + row(2), ...Array.from({ length: 20 }, (_, i) => row(i + 3))])) as ReadableStream;
      const { status, body: answer } = await post('/v1/import/customers', format, body, `http://127.0.0.1:${small.port}`);
      expect([format, status, answer.error?.code]).toEqual([format, 413, 'body_too_large']);
    }
  });

  it('a declared body over the byte limit is refused before anything is stored', async () => {
    const file = lines({ id: 'big-1', name: 'x'.repeat(20_000) });
    const { status } = await post('/v1/import/customers', NDJSON, file, `http://127.0.0.1:${small.port}`);
    expect(status).toBe(413);
    expect(await customer('big-1')).toBeUndefined();
  });
});

describe('data that could exhaust memory', () => {
  let roomy: ApiHandle;
  beforeAll(async () => {
    // A byte limit above the file, so only the limit on one line stands between it and memory.
    roomy = await startApi({ db: db(), client: cascade.env.client, taskQueue, apiKeys: [TEST_API_KEY], port: 0, importLimits: { maxRows: 100, maxBytes: 512 * 1024 ** 2 } });
  });
  afterAll(async () => {
    await roomy?.stop();
  });

  it('a 200 MB line is rejected with its line number without being held; the rows around it are stored and the API still answers', async () => {
    const MiB = Buffer.alloc(1024 ** 2, 'x');
    const body = streamed(
      (function* () {
        yield lines({ id: 'mem-before' }) + '{"id":"mem-huge","name":"';
        for (let i = 0; i < 200; i++) yield MiB; // the same megabyte 200 times: the test itself holds 1 MiB
        yield '"}\n' + lines({ id: 'mem-after' });
      })(),
    );
    const base = `http://127.0.0.1:${roomy.port}`;
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    let answer: Awaited<ReturnType<typeof post>>;
    try {
      answer = await post('/v1/import/customers', NDJSON, body, base);
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    // Holding the line would cost 200 MiB at least (twice that to parse it); streaming it costs
    // chunks, and the garbage collector frees spent ones when it likes (up to 85 MiB was seen on a
    // loaded 2-core box), so the bound sits between the two.
    expect((peak - before) / 1024 ** 2).toBeLessThan(150);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ accepted: 2, rejectedTotal: 1 });
    expect(answer.body.rejected).toEqual([{ line: 2, error: expect.stringMatching(/at most 1048576 bytes/) }]);
    expect(await customer('mem-before')).toBeDefined();
    expect(await customer('mem-after')).toBeDefined();
    expect(await customer('mem-huge')).toBeUndefined();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('a CSV quote left open stops the import at 1 MiB with a 413 naming the line where the record starts; rows before it are stored', async () => {
    const body = streamed(
      (function* () {
        yield 'id,name\ncsv-open-1,Anna\ncsv-open-2,"never closed\n';
        for (let i = 0; i < 3; i++) yield `${'z'.repeat(1024 ** 2 - 1)}\n`;
        yield 'csv-open-3,Boris\n';
      })(),
    );
    const { status, body: answer } = await post('/v1/import/customers', CSV, body);
    expect(status).toBe(413);
    expect(answer.error).toMatchObject({ code: 'record_too_large', message: expect.stringMatching(/^line 3: a CSV record may carry at most 1048576 bytes.*Stored before the limit: 1 rows/) });
    expect(await customer('csv-open-1')).toBeDefined();
    expect(await customer('csv-open-2')).toBeUndefined();
  });

  it('one import at a time per key: a second one while the first runs gets 409, and goes through once the first is answered', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const first = post(
      '/v1/import/customers',
      NDJSON,
      streamed(
        (async function* () {
          yield lines({ id: 'one-1' });
          await released;
          yield lines({ id: 'one-2' });
        })(),
      ),
    );
    const second = () => post('/v1/import/orders', NDJSON, lines({ id: 'one-o', customerId: 'imp-anna', total: 1, source: 'online', placedAt: '2025-03-01T10:00:00Z' }));
    // The first request is under way once its headers arrive; until then a second is not concurrent.
    let refused = await second();
    for (const until = Date.now() + 5000; refused.status !== 409 && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 50));
      refused = await second();
    }
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'import_in_progress', message: expect.stringMatching(/Another import with this API key is still running/) });
    release();
    expect(await first).toMatchObject({ status: 200, body: { accepted: 2 } });
    expect((await second()).status).toBe(200);
  });
});
