/**
 * `npm run simulate -- <journey> --customer <file.json> --events <file.json> [--key <key>] [--start <instant>]`
 *
 * Runs one journey on the Temporal time-skipping server against the real workflow code and the
 * real send pipeline, with a throwaway Postgres from npm (servers/postgres.ts) and every channel on
 * the outbox, then prints the customer's timeline: when each message went (workflow time since
 * the trigger), its step, channel, template and result, the events fed in, and how the run ended.
 * Three weeks of journey take seconds.
 *
 * customer.json: the body of PUT /v1/customers plus `id`, and optionally `pastOrders` (a count).
 * events.json:   [{ "at": "0h", "type": "cart.updated", "properties": { "cartId": "c1" } }, …]
 *   The first event of the journey's trigger type at "0" starts the run; the others are sent to it
 *   at their offsets ("36h", "2d", "90 minutes"). A message.opened/clicked naming a `step` gets
 *   the messageId of that step's message filled in, as the provider webhook would.
 * --start:       when the trigger happens (ISO 8601 with an offset, e.g. 2027-03-01T22:30:00+03:00),
 *   to see quiet hours and local times at a chosen hour; default now. Not in the past: the test
 *   server's clock only moves forward.
 */
import './quiet-logs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { createActivities } from '../activities';
import { outboxChannel } from '../activities/channels/outbox';
import { DEFAULT_CAPS, parseCaps } from '../contactability/caps';
import { createRenderer } from '../activities/templates';
import { openDatabase, type Db } from '../db/client';
import { startPostgresServer } from '../servers/postgres';
import { consents, customers, messages, orders, pushTokens } from '../db/schema';
import { parseCommandLine, usageError } from '../lib/cli';
import { loadConfig } from '../lib/config';
import { workflowsPath } from '../worker';
import { slimEvent, type JourneyEvent } from '../workflows/contract';
import { listensTo } from '../workflows/dsl/options';
import { signalRun, startOrSignal } from '../lifecycle/runs';
import { checkTrigger } from '../lifecycle/trigger';
import { allJourneys } from '../workflows/registry';
import { ensureTemporalBinaries } from '../servers/temporal-binaries';

const customerFile = z.object({
  id: z.string().min(1),
  email: z.string().nullish(),
  phone: z.string().nullish(),
  name: z.string().nullish(),
  city: z.string().nullish(),
  locale: z.string().nullish(),
  timeZone: z.string().default('UTC'),
  birthday: z.string().nullish(),
  attributes: z.record(z.string(), z.unknown()).default({}),
  consents: z.object({ email: z.boolean(), sms: z.boolean(), push: z.boolean(), webhook: z.boolean() }).partial().strict().default({}),
  pushTokens: z.array(z.string()).default([]),
  pastOrders: z.number().int().min(0).default(0),
});
const offsetMs = (at: string) => (at === '0' ? 0 : msToNumber(at as Duration));
const isOffset = (at: string) => {
  try {
    return offsetMs(at) >= 0;
  } catch {
    return false;
  }
};
const eventsFile = z.array(
  z.object({
    at: z.string().default('0').refine(isOffset, 'expected an offset like "36h", "2d" or "90 minutes"'),
    type: z.string().min(1),
    id: z.string().optional(),
    properties: z.record(z.string(), z.unknown()).default({}),
  }),
);

const USAGE = `usage: npm run simulate -- <journey> --customer <file.json> --events <file.json> [--key <key>] [--start <instant>]
  Runs one journey on the Temporal time-skipping server (real workflow code, real send pipeline, a
  throwaway Postgres, every channel on the outbox) and prints the customer's timeline.
  <journey>              one of: ${allJourneys.map((j) => j.options.id).join(', ')}
  --customer <file>      the body of PUT /v1/customers plus "id" (and "pastOrders": a count)
  --events <file>        [{ "at": "0h", "type": "cart.updated", "properties": { … } }, …]; the
                         trigger event at "0" starts the run, the others reach it at their offsets
  --key <key>            the run's key, when the trigger event does not carry it
  --start <instant>      when the trigger happens (ISO 8601 with an offset, in the future), else now
  Examples are in examples/: npm run simulate -- abandoned-cart --customer examples/anna.json --events examples/abandoned-cart.events.json`;

function fail(message: string): never {
  usageError(USAGE, `simulate: ${message}`);
}

function readJson<T>(path: string | undefined, schema: z.ZodType<T>, what: string): T {
  if (!path) fail(`--${what} <file.json> is required`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    fail(`cannot read ${what} file ${path}: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    fail(`${path}: ${issue.path.join('.') || what}: ${issue.message}`);
  }
  return parsed.data;
}

function formatOffset(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return `+${d ? `${d}d ` : ''}${String(h).padStart(d ? 2 : 1, '0')}h${m ? ` ${String(m).padStart(2, '0')}m` : ''}`;
}

async function seed(db: Db, c: z.infer<typeof customerFile>, now: number): Promise<void> {
  await db.insert(customers).values({
    id: c.id, email: c.email ?? null, phone: c.phone ?? null, name: c.name ?? null, city: c.city ?? null, locale: c.locale ?? null,
    timeZone: c.timeZone, birthday: c.birthday ?? null, attributes: c.attributes,
  });
  for (const [channel, granted] of Object.entries(c.consents)) {
    await db.insert(consents).values({ customerId: c.id, channel: channel as 'email', granted });
  }
  for (const token of c.pushTokens) await db.insert(pushTokens).values({ token, customerId: c.id });
  for (let i = 0; i < c.pastOrders; i++) {
    await db.insert(orders).values({ id: `${c.id}-past-${i}`, customerId: c.id, source: 'online', placedAt: new Date(now - (30 + 30 * i) * 864e5) });
  }
}

async function main(): Promise<void> {
  const { positionals, values } = parseCommandLine(USAGE, {
    allowPositionals: true,
    options: { customer: { type: 'string' }, events: { type: 'string' }, key: { type: 'string' }, start: { type: 'string' } },
  });
  if (positionals.length > 1) fail(`one journey at a time (got ${positionals.join(', ')})`);
  const startAt = values.start === undefined ? undefined : Date.parse(values.start);
  if (startAt !== undefined && (Number.isNaN(startAt) || !/(Z|[+-]\d\d:\d\d)$/.test(values.start!))) {
    fail(`--start: expected an ISO 8601 instant with an offset, like 2027-03-01T22:30:00+03:00; got ${values.start}`);
  }
  if (startAt !== undefined && startAt < Date.now()) fail(`--start: ${values.start} is in the past (the test server's clock only moves forward)`);
  const journeyId = positionals[0] ?? fail(`which journey? one of: ${allJourneys.map((j) => j.options.id).join(', ')}`);
  const journey = allJourneys.find((j) => j.options.id === journeyId) ?? fail(`no journey "${journeyId}"; there are: ${allJourneys.map((j) => j.options.id).join(', ')}`);
  const customer = readJson(values.customer, customerFile, 'customer');
  const config = loadConfig();
  const feed = readJson(values.events, eventsFile, 'events')
    .map((e, i) => ({ ...e, ms: offsetMs(e.at), id: e.id ?? `sim-${i + 1}-${e.type}` }))
    .sort((a, b) => a.ms - b.ms);

  const triggerType = journey.options.trigger?.event;
  const triggerAt = feed.findIndex((e) => e.ms === 0 && e.type === triggerType);
  const [first] = triggerAt >= 0 ? feed.splice(triggerAt, 1) : [];
  const keyProp = journey.options.trigger?.key;
  const key = values.key ?? (keyProp && first ? String(first.properties[keyProp] ?? '') || undefined : undefined);
  if (triggerType && !first) console.warn(`(no "${triggerType}" event at 0 in the events file: the run starts without its trigger)`);

  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  const server = await startPostgresServer();
  const database = await openDatabase({ url: server.url });
  const bins = ensureTemporalBinaries();
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: bins.testServer.path } } });
  try {
    if (startAt !== undefined) await env.sleep(startAt - (await env.currentTimeMs()));
    const t0 = await env.currentTimeMs();
    await seed(database.db, customer, t0);
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'simulate',
      workflowsPath,
      activities: createActivities({
        db: database.db,
        channels: { email: outboxChannel, sms: outboxChannel, push: outboxChannel, webhook: outboxChannel, telegram: outboxChannel },
        render: createRenderer(undefined, { defaultLocale: config.CASCADE_DEFAULT_LOCALE, smsMaxSegments: config.CASCADE_SMS_MAX_SEGMENTS }),
        caps: parseCaps(process.env.CASCADE_FREQUENCY_CAPS ?? DEFAULT_CAPS),
        webhookUrl: 'https://wallet.example.com/simulated',
        unsubscribeUrl: (c, ch) => `https://example.com/unsubscribe?customer=${c}&channel=${ch}`,
      }),
    });
    const lines: Array<{ ms: number; text: string }> = [];
    const ended = await worker.runUntil(async () => {
      const toEvent = (e: (typeof feed)[number]): JourneyEvent =>
        slimEvent({ id: e.id, type: e.type, properties: e.properties, occurredAt: new Date(t0 + e.ms).toISOString() });
      const trigger = first ? toEvent(first) : slimEvent({ id: 'sim-trigger', type: 'campaign', properties: { campaignId: 'simulate', ...(key ? { key } : {}) }, occurredAt: new Date(t0) });
      // The run starts and hears events the way routed ones do: the lifecycle's id rule, start and signal.
      const lifecycle = { db: database.db, client: env.client, taskQueue: 'simulate', searchAttributes: false };
      const check = checkTrigger(journey, customer.id, first ? trigger : { id: trigger.id, properties: {} });
      if (!check.ok) fail(`the trigger event: ${check.message}`);
      const { workflowId } = await startOrSignal(lifecycle, journey, { customerId: customer.id, workflowId: check.workflowId, key: check.key ?? key, trigger });
      const handle = env.client.workflow.getHandle(workflowId);
      lines.push({ ms: 0, text: `event    ${trigger.type}${Object.keys(trigger.properties).length ? ` ${JSON.stringify(trigger.properties)}` : ''}` });
      for (const e of feed) {
        const wait = t0 + e.ms - (await env.currentTimeMs());
        if (wait > 0) await env.sleep(wait);
        const described = await handle.describe();
        if (described.status.name !== 'RUNNING') {
          lines.push({ ms: e.ms, text: `event    ${e.type} (not delivered: the run had ended)` });
          continue;
        }
        if (/^message\.(opened|clicked|delivered|bounced|complained|failed)$/.test(e.type) && e.properties.step && !e.properties.messageId) {
          const [row] = await database.db.select().from(messages).where(and(eq(messages.customerId, customer.id), eq(messages.step, String(e.properties.step))));
          if (row) Object.assign(e.properties, { messageId: row.id, channel: row.channel, journey: row.journey, template: row.template });
        }
        if (!listensTo(journey.options, e.type)) {
          lines.push({ ms: e.ms, text: `event    ${e.type} (not delivered: ${journey.options.id} does not listen to it)` });
          continue;
        }
        await signalRun(lifecycle, workflowId, toEvent(e));
        lines.push({ ms: e.ms, text: `event    ${e.type}${Object.keys(e.properties).length ? ` ${JSON.stringify(e.properties)}` : ''}` });
      }
      const reason = await handle.result();
      const { closeTime } = await handle.describe();
      return { reason, ms: (closeTime?.getTime() ?? t0) - t0 };
    });

    const sent = await database.db.select().from(messages).where(eq(messages.customerId, customer.id)).orderBy(asc(messages.requestedAt), asc(messages.id));
    for (const m of sent) {
      const status = m.status === 'skipped' ? `skipped: ${m.skipReason}` : m.status === 'failed' ? `failed: ${m.error}` : m.status;
      // What an SMS costs (or would have): the operator bills per part.
      const result = m.smsSegments === null ? status : `${status} (${m.smsSegments} ${m.smsSegments === 1 ? 'segment' : 'segments'})`;
      lines.push({ ms: m.requestedAt.getTime() - t0, text: `${m.step.padEnd(26)} ${m.channel.padEnd(8)} ${m.template.padEnd(26)} ${result}` });
    }
    lines.sort((a, b) => a.ms - b.ms);
    console.log(`${journey.options.id} for ${customer.id} (${customer.timeZone}), started ${new Date(t0).toISOString()}\n`);
    console.log(`${'offset'.padEnd(12)} ${'step'.padEnd(26)} ${'channel'.padEnd(8)} ${'template'.padEnd(26)} result`);
    for (const l of lines) console.log(`${formatOffset(l.ms).padEnd(12)} ${l.text}`);
    console.log(`${formatOffset(ended.ms).padEnd(12)} ended: ${ended.reason}`);
  } finally {
    await env.teardown();
    await database.close();
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
