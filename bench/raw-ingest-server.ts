/**
 * The fair raw limit of an HTTP ingest on this box, for the acceptance row: a minimal `node:http`
 * handler that parses the JSON body and does the INSERT `POST /v1/events` does for an inert event
 * (same `events` table, same foreign key to customers, stored as routed), one statement per request
 * over a postgres.js pool of the API's size, answering 202 once stored. No auth, validation,
 * framework or group commit: what is left is HTTP, JSON and the row. Its own process, as the API
 * is; bench/processes.ts starts it with DATABASE_URL, PORT and BENCH_RAW_POOL.
 */
import { createServer } from 'node:http';
import postgres from 'postgres';

const sql = postgres(process.env.DATABASE_URL!, { max: Number(process.env.BENCH_RAW_POOL), onnotice: () => {} });

interface Event {
  id: string;
  customerId: string;
  type: string;
  properties?: Record<string, unknown>;
  occurredAt?: string;
}

async function store(body: string): Promise<void> {
  const e = JSON.parse(body) as Event;
  await sql`
    insert into events (id, customer_id, type, properties, occurred_at, routed_at, routed_to)
    values (${e.id}, ${e.customerId}, ${e.type}, ${sql.json((e.properties ?? {}) as postgres.JSONValue)}, ${e.occurredAt ?? new Date().toISOString()}, now(), '[]')
    on conflict (id) do nothing`;
}

createServer((req, res) => {
  // Anything but a POST is the bench asking whether the process is up.
  if (req.method !== 'POST') return void res.writeHead(204).end();
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    store(Buffer.concat(chunks).toString('utf8')).then(
      () => res.writeHead(202).end(),
      () => res.writeHead(500).end(),
    );
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
