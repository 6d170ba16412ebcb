/**
 * Event ingest through the API: sign-ups posted to `POST /v1/events` at a fixed concurrency, the
 * latency of each answer, and the time until every customer's first welcome email is in the ledger.
 */
import { performance } from 'node:perf_hooks';
import { count, eq } from 'drizzle-orm';
import { startApi } from '../api/server';
import { messages } from '../db/schema';
import type { BenchStack } from './stack';
import { percentile, pool } from './measure';

const KEY = 'bench-key';

export async function benchIngest(stack: BenchStack, opts: { customers: number; concurrency: number }): Promise<Record<string, unknown>> {
  const api = await startApi({ db: stack.db, client: stack.client, taskQueue: stack.taskQueue, apiKeys: [KEY], port: 0 });
  const base = `http://127.0.0.1:${api.port}`;
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  const ids = Array.from({ length: opts.customers }, (_, i) => `bench-${i}`);
  try {
    const rssBefore = process.memoryUsage().rss;
    for (const id of ids) {
      await fetch(`${base}/v1/customers/${id}`, { method: 'PUT', headers, body: JSON.stringify({ email: `${id}@example.com`, consents: { email: true } }) });
    }

    const latencies: number[] = [];
    let failures = 0;
    const t0 = performance.now();
    await pool(ids, opts.concurrency, async (id) => {
      const start = performance.now();
      const res = await fetch(`${base}/v1/events`, { method: 'POST', headers, body: JSON.stringify({ id: `signup-${id}`, customerId: id, type: 'customer.signed_up' }) });
      latencies.push(performance.now() - start);
      if (res.status !== 202) failures++;
    });
    const ingestSeconds = (performance.now() - t0) / 1000;

    let sent = 0;
    for (;;) {
      const [row] = await stack.db.select({ n: count() }).from(messages).where(eq(messages.status, 'sent'));
      sent = row?.n ?? 0;
      if (sent >= opts.customers || performance.now() - t0 > 600_000) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const endToEndSeconds = (performance.now() - t0) / 1000;
    const rssAfter = process.memoryUsage().rss;
    latencies.sort((a, b) => a - b);
    return {
      customers: opts.customers,
      concurrency: opts.concurrency,
      eventsPerSecond: Math.round(opts.customers / ingestSeconds),
      eventLatencyMs: { p50: Math.round(percentile(latencies, 50)), p95: Math.round(percentile(latencies, 95)), p99: Math.round(percentile(latencies, 99)) },
      failedEvents: failures,
      firstEmailsSent: sent,
      signupToFirstEmailAllSeconds: Number(endToEndSeconds.toFixed(1)),
      sendsPerSecond: Math.round(sent / endToEndSeconds),
      processRssMiB: { before: Math.round(rssBefore / 2 ** 20), withRunsCached: Math.round(rssAfter / 2 ** 20) },
      rssKiBPerCachedRun: Math.round((rssAfter - rssBefore) / 1024 / opts.customers),
    };
  } finally {
    await api.stop();
  }
}
