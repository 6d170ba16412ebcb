/**
 * `npm run load -- --url http://127.0.0.1:3000 --key K --rate 400 --minutes 10 [--customers N]
 *   [--pids 123,456] [--database-url postgres://…] [--out bench/results/load.json]`
 *
 * A steady open-loop load against a running Cascade (`npm start` or the production topology): events
 * leave at a fixed rate whatever the answers do, like a shop's traffic, each with a unique id.
 * Customers are imported first; each signs up, then views pages, changes carts and places orders.
 * Per minute it records events sent, accepted (2xx), errors by status, answer latency percentiles
 * and the resident memory of the Cascade processes (`--pids`, else the process listening on the
 * URL's port and its children). At the end it waits for the backlog to drain and checks that every
 * accepted event is stored and routed: in Postgres with `--database-url`, else through each
 * customer's timeline. It prints a summary and writes JSON. For the "80 % of the measured maximum
 * for ten minutes: nothing lost, memory flat" check: `--rate` at 80 % of `npm run bench`'s ingest.
 */
import { mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { parseCommandLine, usageError } from '../lib/cli';
import { percentile, pool } from './measure';

const USAGE = `usage: npm run load -- --url http://127.0.0.1:3000 --key <key> --rate <events/s> --minutes <n>
    [--customers <n>] [--pids 1,2,3] [--database-url postgres://…] [--max-in-flight <n>]
    [--drain-minutes <n>] [--out bench/results/load.json]
  A steady open-loop load against a running Cascade (start its API with CASCADE_RATE_LIMIT=off or a
  limit above the rate); per minute: sent, accepted, errors, latency, memory; at the end, every
  accepted event stored and routed (exit 1 if not). --key defaults to .data/api-key.`;

const { values: args } = parseCommandLine(USAGE, {
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:3000' },
    key: { type: 'string' },
    rate: { type: 'string', default: '100' },
    minutes: { type: 'string', default: '1' },
    customers: { type: 'string' },
    pids: { type: 'string' },
    'database-url': { type: 'string', default: process.env.DATABASE_URL },
    'max-in-flight': { type: 'string', default: '2000' },
    'drain-minutes': { type: 'string', default: '10' },
    out: { type: 'string', default: 'bench/results/load.json' },
  },
});

const url = args.url!.replace(/\/+$/, '');
const key = args.key ?? tryRead('.data/api-key');
if (!key) usageError(USAGE, '--key is required (npm start keeps its key in .data/api-key)');
const rate = Number(args.rate);
const minutes = Number(args.minutes);
const total = Math.round(rate * minutes * 60);
// About a hundred events per customer: a realistic mix, and each timeline stays readable in one page.
const customerCount = Number(args.customers ?? Math.max(200, Math.ceil(total / 100)));
const maxInFlight = Number(args['max-in-flight']);
const prefix = `load-${Date.now().toString(36)}`;
const auth = { authorization: `Bearer ${key}` };

function tryRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

// ---- the processes whose memory we watch ----

/** The pid listening on the URL's TCP port (from /proc/net/tcp{,6} and each process's fds), and its descendants. */
function discoverPids(): number[] {
  const port = Number(new URL(url).port || 80);
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of (tryRead(table) ?? '').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && cols[3] === '0A' && parseInt(cols[1]!.split(':')[1]!, 16) === port) inodes.add(cols[9]!);
    }
  }
  const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const listener = all.find((pid) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => inodes.has(/^socket:\[(\d+)\]$/.exec(safeReadlink(`/proc/${pid}/fd/${fd}`))?.[1] ?? ''));
    } catch {
      return false;
    }
  });
  if (listener === undefined) return [];
  const parent = new Map(all.map((pid) => [pid, Number(/\)\s+\S+\s+(\d+)/.exec(tryRead(`/proc/${pid}/stat`) ?? '')?.[1] ?? 0)]));
  const family = [listener];
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parent) if (family.includes(ppid) && !family.includes(pid)) (family.push(pid), (grew = true));
  }
  // Up through the launchers (`npm start` → sh → tsx → node): their memory is the stack's too.
  for (let pid = parent.get(listener) ?? 0; pid > 1; pid = parent.get(pid) ?? 0) {
    const name = /Name:\s+(.+)/.exec(tryRead(`/proc/${pid}/status`) ?? '')?.[1] ?? '';
    if (/^(node|npm)/.test(name)) family.push(pid);
    else if (name !== 'sh') break;
  }
  return family;
}

function safeReadlink(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

const pids = args.pids ? args.pids.split(',').map(Number) : discoverPids();

function rssMiB(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pid of pids) {
    const status = tryRead(`/proc/${pid}/status`);
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status ?? '')?.[1]);
    const name = /Name:\s+(\S+)/.exec(status ?? '')?.[1] ?? '?';
    if (kb) out[`${pid} ${name}`] = Math.round(kb / 1024);
  }
  return out;
}

// ---- customers and their events ----

const customerId = (i: number) => `${prefix}-c${i}`;

async function importCustomers(): Promise<void> {
  const rows = Array.from({ length: customerCount }, (_, i) =>
    JSON.stringify({ id: customerId(i), email: `${customerId(i)}@example.com`, name: 'Load', timeZone: 'Europe/Moscow', consents: { email: true } }),
  );
  const res = await fetch(`${url}/v1/import/customers`, { method: 'POST', headers: { ...auth, 'content-type': 'application/x-ndjson' }, body: rows.join('\n') });
  const body = (await res.json()) as { accepted?: number };
  if (!res.ok || body.accepted !== customerCount) throw new Error(`importing ${customerCount} customers: ${res.status} ${JSON.stringify(body)}`);
}

interface LoadEvent {
  id: string;
  customerId: string;
  type: string;
  properties: Record<string, unknown>;
}

/** The n-th event: every customer signs up first, then views pages (half), changes its cart (30 %) or orders (20 %). */
function eventAt(n: number): LoadEvent {
  const i = n % customerCount;
  const round = Math.floor(n / customerCount);
  const c = customerId(i);
  const id = `${prefix}-e${n}`;
  if (round === 0) return { id, customerId: c, type: 'customer.signed_up', properties: {} };
  const roll = (n * 2654435761) % 10; // a fixed spread, the same on every run
  if (roll < 5) return { id, customerId: c, type: 'page.viewed', properties: { path: `/p/${n % 97}` } };
  if (roll < 8) return { id, customerId: c, type: 'cart.updated', properties: { cartId: `${c}-cart${round % 3}` } };
  return { id, customerId: c, type: 'order.placed', properties: { orderId: `${c}-o${n}`, total: 1000 + (n % 5000) } };
}

// ---- the open loop ----

interface Minute {
  minute: number;
  sent: number;
  accepted: number;
  errors: Record<string, number>;
  skippedInFlightCap: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  rssMiB: Record<string, number>;
}

const accepted: LoadEvent[] = [];
const minutesOut: Minute[] = [];
let current = { sent: 0, accepted: 0, errors: {} as Record<string, number>, skipped: 0, latencies: [] as number[] };
let inFlight = 0;
let warned429 = false;

async function post(event: LoadEvent): Promise<void> {
  inFlight++;
  const t0 = performance.now();
  const bucket = current;
  try {
    const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(event), signal: AbortSignal.timeout(30_000) });
    await res.arrayBuffer();
    bucket.latencies.push(performance.now() - t0);
    if (res.ok) {
      bucket.accepted++;
      accepted.push(event);
    } else {
      bucket.errors[res.status] = (bucket.errors[res.status] ?? 0) + 1;
      if (res.status === 429 && !warned429) {
        warned429 = true;
        console.log('429 from the API: its per-key rate limit is below --rate (start it with CASCADE_RATE_LIMIT=off)');
      }
    }
  } catch (err) {
    const name = (err as Error).name === 'TimeoutError' ? 'timeout' : ((err as { cause?: { code?: string } }).cause?.code ?? 'network');
    bucket.errors[name] = (bucket.errors[name] ?? 0) + 1;
  } finally {
    inFlight--;
  }
}

function closeMinute(minute: number): void {
  const sorted = current.latencies.sort((a, b) => a - b);
  const pct = (p: number) => (sorted.length ? Math.round(percentile(sorted, p)) : 0);
  const m: Minute = {
    minute,
    sent: current.sent,
    accepted: current.accepted,
    errors: current.errors,
    skippedInFlightCap: current.skipped,
    latencyMs: { p50: pct(50), p95: pct(95), p99: pct(99), max: Math.round(sorted.at(-1) ?? 0) },
    rssMiB: rssMiB(),
  };
  minutesOut.push(m);
  const rssTotal = Object.values(m.rssMiB).reduce((a, b) => a + b, 0);
  console.log(
    `minute ${minute}: sent ${m.sent}, accepted ${m.accepted}, errors ${JSON.stringify(m.errors)}, ` +
      `p50/p95/p99 ${m.latencyMs.p50}/${m.latencyMs.p95}/${m.latencyMs.p99} ms, RSS ${rssTotal} MiB ${JSON.stringify(m.rssMiB)}`,
  );
  current = { sent: 0, accepted: 0, errors: {}, skipped: 0, latencies: [] };
}

/** Events leave on a fixed schedule (n / rate seconds after the start), whatever the answers do. */
async function openLoop(): Promise<number> {
  const pending = new Set<Promise<void>>();
  const start = performance.now();
  let minute = 1;
  for (let n = 0; n < total; n++) {
    const due = start + (n / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    while (performance.now() - start >= minute * 60_000) closeMinute(minute++);
    current.sent++;
    if (inFlight >= maxInFlight) {
      current.skipped++; // the server is this far behind: counted, not queued without bound
      continue;
    }
    const p = post(eventAt(n));
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }
  await Promise.all(pending);
  closeMinute(minute);
  return (performance.now() - start) / 1000;
}

// ---- drain and verify ----

async function verifyInPostgres(databaseUrl: string): Promise<{ stored: number; routed: number; deadLettered: number; missing: string[]; drainSeconds: number }> {
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  try {
    const t0 = performance.now();
    const deadline = Date.now() + Number(args['drain-minutes']) * 60_000;
    for (;;) {
      const [{ n }] = await sql<[{ n: number }]>`select count(*)::int as n from events where id like ${prefix + '-%'} and routed_at is null and dead_lettered_at is null`;
      if (n === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const drainSeconds = (performance.now() - t0) / 1000;
    const rows = await sql<Array<{ id: string; routed: boolean; dead: boolean }>>`
      select id, routed_at is not null as routed, dead_lettered_at is not null as dead from events where id like ${prefix + '-%'}`;
    const byId = new Map(rows.map((r) => [r.id, r]));
    const missing = accepted.filter((e) => !byId.get(e.id)?.routed).map((e) => e.id);
    return { stored: rows.length, routed: rows.filter((r) => r.routed).length, deadLettered: rows.filter((r) => r.dead).length, missing, drainSeconds };
  } finally {
    await sql.end();
  }
}

/**
 * Without database access: the backlog gauge (`cascade_unrouted_events`, where the API has it), then
 * each customer's timeline, which says of every event routed / pending / dead-lettered. Timelines
 * ask each running run for its status, so they are read a few at a time, and after the first pass
 * only for customers that still had pending events.
 */
async function verifyThroughApi(): Promise<{ stored: number; routed: number; deadLettered: number; missing: string[]; drainSeconds: number; truncated: number }> {
  const t0 = performance.now();
  const deadline = Date.now() + Number(args['drain-minutes']) * 60_000;
  for (let unrouted = await unroutedGauge(); unrouted !== undefined && unrouted > 0 && Date.now() < deadline; unrouted = await unroutedGauge()) {
    console.log(`waiting for the backlog: cascade_unrouted_events ${unrouted}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
  const seen = new Map<string, string>();
  const truncated = new Set<string>();
  const read = (ids: string[]) =>
    pool(ids, 4, async (c) => {
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await fetch(`${url}/v1/customers/${c}/timeline?limit=500`, { headers: auth, signal: AbortSignal.timeout(60_000) });
          if (!res.ok) throw new Error(`timeline of ${c}: ${res.status}`);
          const { items } = (await res.json()) as { items: Array<{ kind: string; id?: string; routing?: string }> };
          if (items.length === 500) truncated.add(c);
          for (const item of items) if (item.kind === 'event' && item.id) seen.set(item.id, item.routing ?? '?');
          return;
        } catch (err) {
          if (attempt >= 5) throw err;
          await new Promise((r) => setTimeout(r, 2000 * attempt));
        }
      }
    });
  let customers = Array.from({ length: customerCount }, (_, i) => customerId(i));
  for (;;) {
    await read(customers);
    const pending = accepted.filter((e) => seen.get(e.id) === 'pending');
    if (pending.length === 0 || Date.now() > deadline) break;
    console.log(`waiting for the backlog: ${pending.length} accepted events still pending`);
    customers = [...new Set(pending.map((e) => e.customerId))];
    await new Promise((r) => setTimeout(r, 5000));
  }
  const values = [...seen.values()];
  if (truncated.size) console.log(`${truncated.size} timelines hit the 500-item limit: pass --customers higher or --database-url for a full check`);
  return {
    stored: seen.size,
    routed: values.filter((v) => v === 'routed').length,
    deadLettered: values.filter((v) => v === 'dead-lettered').length,
    missing: accepted.filter((e) => seen.get(e.id) !== 'routed').map((e) => e.id),
    drainSeconds: (performance.now() - t0) / 1000,
    truncated: truncated.size,
  };
}

/** The API's backlog gauge, when it has one (undefined otherwise). */
async function unroutedGauge(): Promise<number | undefined> {
  const text = await fetch(`${url}/metrics`, { headers: process.env.CASCADE_METRICS_TOKEN ? { authorization: `Bearer ${process.env.CASCADE_METRICS_TOKEN}` } : {} })
    .then((r) => (r.ok ? r.text() : ''))
    .catch(() => '');
  const value = /^cascade_unrouted_events(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1];
  return value === undefined ? undefined : Number(value);
}

// ---- main ----

console.log(`load: ${rate} events/s for ${minutes} min (${total} events) over ${customerCount} customers against ${url}; watching pids ${pids.join(', ') || 'none'}`);
const started = new Date();
const idle = rssMiB();
await importCustomers();
const seconds = await openLoop();
const sentTotal = minutesOut.reduce((a, m) => a + m.sent, 0);
console.log(`sent ${sentTotal} in ${seconds.toFixed(1)} s (${(sentTotal / seconds).toFixed(1)}/s), ${accepted.length} accepted; draining…`);
const verification = args['database-url'] ? await verifyInPostgres(args['database-url']) : await verifyThroughApi();
const rssTotals = minutesOut.map((m) => Object.values(m.rssMiB).reduce((a, b) => a + b, 0));
const result = {
  startedAt: started.toISOString(),
  machine: { cores: cpus().length, memoryGiB: Math.round(totalmem() / 1024 ** 3), loadAverageAtEnd: tryRead('/proc/loadavg')?.split(' ').slice(0, 3).join(' ') },
  target: { url, rate, minutes, customers: customerCount, prefix },
  sent: sentTotal,
  accepted: accepted.length,
  achievedRate: Number((accepted.length / seconds).toFixed(1)),
  minutes: minutesOut,
  rss: { pids, beforeMiB: idle, perMinuteTotalMiB: rssTotals, growthFirstToLast: rssTotals.length > 1 ? Number((rssTotals.at(-1)! / rssTotals[0]!).toFixed(2)) : null },
  verification: { ...verification, missing: verification.missing.slice(0, 100), missingTotal: verification.missing.length, via: args['database-url'] ? 'postgres' : 'api' },
  lost: verification.missing.length,
};
mkdirSync(dirname(args.out!), { recursive: true });
writeFileSync(args.out!, JSON.stringify(result, null, 2) + '\n');
console.log(
  `verified via ${result.verification.via}: ${verification.stored} stored, ${verification.routed} routed, ${verification.deadLettered} dead-lettered, ` +
    `${verification.missing.length} accepted but not routed; backlog drained in ${verification.drainSeconds.toFixed(1)} s; ` +
    `RSS total per minute ${rssTotals.join(', ')} MiB; written to ${args.out}`,
);
if (verification.missing.length) process.exitCode = 1;
