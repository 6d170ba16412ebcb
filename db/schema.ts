/** Every table Cascade keeps. Times are UTC (`timestamptz`); each customer carries an IANA time zone. */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

import type { Channel } from '../workflows/contract';

export const customers = pgTable(
  'customers',
  {
    /** The caller's id for the customer (their CRM or shop id). */
    id: text('id').primaryKey(),
    email: text('email'),
    /** E.164, normalised at the API edge. */
    phone: text('phone'),
    name: text('name'),
    city: text('city'),
    timeZone: text('time_zone').notNull().default('UTC'),
    /** BCP 47 (`ru-RU`); null means CASCADE_DEFAULT_LOCALE. */
    locale: text('locale'),
    birthday: date('birthday'),
    attributes: jsonb('attributes').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('customers_email_idx').on(t.email),
    index('customers_phone_idx').on(t.phone),
    // Segments: `city eq` narrows a million customers before the per-customer subqueries run;
    // custom attributes are matched by JSON containment (`@>`), which jsonb_path_ops answers compactly.
    index('customers_city_idx').on(t.city),
    index('customers_attributes_idx').using('gin', t.attributes.op('jsonb_path_ops')),
  ],
);

export const consents = pgTable(
  'consents',
  {
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    channel: text('channel').$type<Channel>().notNull(),
    /** A marketing topic (`promotions`, `reminders`…), or `*`: every topic, which is what consent meant before topics. */
    topic: text('topic').notNull().default('*'),
    granted: boolean('granted').notNull(),
    /** Where the latest change came from: api, unsubscribe link, webhook. */
    source: text('source').notNull().default('api'),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.channel, t.topic] })],
);

/**
 * Every consent change ever asked for, applied or refused, for audit (38-FZ, GDPR): who asked
 * (the API key id, the unsubscribe link, a provider report), when the customer consented or
 * withdrew as the caller says, and when we recorded it.
 */
export const consentChanges = pgTable(
  'consent_changes',
  {
    id: serial('id').primaryKey(),
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    channel: text('channel').$type<Channel>().notNull(),
    topic: text('topic').notNull().default('*'),
    granted: boolean('granted').notNull(),
    /** The caller's word for where the consent came from: checkout form, crm-sync, unsubscribe link… */
    source: text('source').notNull(),
    /** Who recorded it: `api-key:<id>`, `unsubscribe-link`, `resend`, `smsc`. */
    actor: text('actor').notNull(),
    /** When the customer gave or withdrew consent, as the caller says (defaults to recordedAt). */
    consentedAt: timestamp('consented_at', { withTimezone: true }).notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
    /** False when the change was refused (a profile sync may not lift an unsubscribe). */
    applied: boolean('applied').notNull(),
    note: text('note'),
  },
  (t) => [index('consent_changes_customer_idx').on(t.customerId, t.channel, t.recordedAt)],
);

export const pushTokens = pgTable('push_tokens', {
  token: text('token').primaryKey(),
  customerId: text('customer_id')
    .notNull()
    .references(() => customers.id, { onDelete: 'cascade' }),
  platform: text('platform'),
  createdAt: createdAt(),
});

export const events = pgTable(
  'events',
  {
    /** The caller's event id: their idempotency key. */
    id: text('id').primaryKey(),
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    properties: jsonb('properties').$type<Record<string, unknown>>().notNull().default({}),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    /**
     * Arrival order. Events stored in one statement share `received_at`, so a customer's events are
     * routed in `seq` order, which follows the order they were written in.
     */
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity().notNull(),
    /** Set once every workflow the event reaches has it; null rows are re-routed by the sweeper. */
    routedAt: timestamp('routed_at', { withTimezone: true }),
    routedTo: jsonb('routed_to').$type<string[]>(),
    /** Routing tries so far, and when the sweeper may try again (backoff after a retryable failure). */
    routingAttempts: integer('routing_attempts').notNull().default(0),
    nextRoutingAt: timestamp('next_routing_at', { withTimezone: true }),
    /** The last routing error; with deadLetteredAt set it was permanent and nothing retries it. */
    routingError: text('routing_error'),
    deadLetteredAt: timestamp('dead_lettered_at', { withTimezone: true }),
  },
  (t) => [
    index('events_customer_type_idx').on(t.customerId, t.type, t.occurredAt),
    index('events_customer_received_idx').on(t.customerId, t.receivedAt),
    // The router's claim (oldest first) and a customer's earlier unrouted events.
    index('events_unrouted_seq_idx').on(t.seq).where(sql`${t.routedAt} is null and ${t.deadLetteredAt} is null`),
    index('events_customer_unrouted_idx').on(t.customerId, t.seq).where(sql`${t.routedAt} is null and ${t.deadLetteredAt} is null`),
    index('events_dead_lettered_idx').on(t.deadLetteredAt).where(sql`${t.deadLetteredAt} is not null`),
  ],
);

export const orders = pgTable(
  'orders',
  {
    id: text('id').primaryKey(),
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    /** online or offline: an in-store purchase counts as much as a web order. */
    source: text('source').$type<'online' | 'offline'>().notNull(),
    total: numeric('total', { precision: 12, scale: 2 }).notNull().default('0'),
    currency: text('currency').notNull().default('RUB'),
    placedAt: timestamp('placed_at', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('orders_customer_idx').on(t.customerId, t.placedAt),
    // Segments count orders in a window for every customer at once: one index-only pass over the window.
    index('orders_placed_idx').on(t.placedAt, t.customerId),
  ],
);

/**
 * How a run ended: by its own hand (completed, exited on an exit event, failed, refused at entry by
 * its `enterIf`), or from outside (terminated, timed out, cancelled: found by the run reconciler).
 */
export const runStates = ['running', 'completed', 'exited', 'failed', 'refused', 'terminated', 'timed_out', 'cancelled'] as const;
export type RunState = (typeof runStates)[number];

export const journeyRuns = pgTable(
  'journey_runs',
  {
    runId: text('run_id').primaryKey(),
    workflowId: text('workflow_id').notNull(),
    journey: text('journey').notNull(),
    customerId: text('customer_id').notNull(),
    status: text('status').$type<RunState>().notNull().default('running'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    endReason: text('end_reason'),
    /** The event that started the run, so a re-routed trigger does not start a second run. */
    triggerEventId: text('trigger_event_id'),
    convertedAt: timestamp('converted_at', { withTimezone: true }),
    conversionEventId: text('conversion_event_id'),
    /** The campaign that enrolled the customer; null for runs an event started. */
    campaignId: text('campaign_id'),
    /** Kept out by the journey's or campaign's holdout: recorded, sent nothing, compared for uplift. */
    holdout: boolean('holdout').notNull().default(false),
    /** Experiment → variant this run was given (`j.variant`), e.g. `{ "subject-test": "b" }`. */
    variants: jsonb('variants').$type<Record<string, string>>(),
  },
  (t) => [
    index('journey_runs_customer_idx').on(t.customerId, t.status),
    index('journey_runs_campaign_idx').on(t.campaignId).where(sql`${t.campaignId} is not null`),
    index('journey_runs_workflow_idx').on(t.workflowId),
    // Experiment results read a journey's runs by start (analytics/experiments.ts).
    index('journey_runs_journey_started_idx').on(t.journey, t.startedAt),
    index('journey_runs_ended_idx').on(t.endedAt, t.status),
    uniqueIndex('journey_runs_one_running_idx').on(t.workflowId).where(sql`${t.status} = 'running'`),
  ],
);

export const messageStatuses = [
  'pending',
  'sent',
  'delivered',
  'opened',
  'clicked',
  'bounced',
  'complained',
  'failed',
  'skipped',
] as const;
export type MessageStatus = (typeof messageStatuses)[number];

/** The send ledger: one row per send attempt of a journey step, unique on its idempotency key. */
export const messages = pgTable(
  'messages',
  {
    id: serial('id').primaryKey(),
    idempotencyKey: text('idempotency_key').notNull(),
    customerId: text('customer_id').notNull(),
    workflowId: text('workflow_id').notNull(),
    journey: text('journey').notNull(),
    step: text('step').notNull(),
    channel: text('channel').$type<Channel>().notNull(),
    /** Which adapter carried it: resend, smsc, fcm, webhook, outbox. */
    provider: text('provider').notNull(),
    template: text('template').notNull(),
    transactional: boolean('transactional').notNull().default(false),
    recipient: text('recipient'),
    subject: text('subject'),
    body: text('body'),
    /** SMS only: how many parts the provider bills (GSM-7 160/153, UCS-2 70/67 characters). */
    smsSegments: integer('sms_segments'),
    /** The marketing topic the message was sent under; null for transactional messages. */
    topic: text('topic'),
    /** The run's experiment variants when the message was asked for, for per-variant results. */
    variants: jsonb('variants').$type<Record<string, string>>(),
    status: text('status').$type<MessageStatus>().notNull(),
    skipReason: text('skip_reason'),
    providerMessageId: text('provider_message_id'),
    error: text('error'),
    /** Workflow time when the journey asked for the send (differs from created_at under time skipping). */
    requestedAt: timestamp('requested_at', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('messages_idempotency_key_idx').on(t.idempotencyKey),
    index('messages_customer_idx').on(t.customerId, t.createdAt),
    index('messages_provider_id_idx').on(t.provider, t.providerMessageId),
    index('messages_cap_idx').on(t.customerId, t.channel, t.requestedAt),
    // Alert rules read the last window of the ledger.
    index('messages_updated_idx').on(t.updatedAt),
    // Analytics read one journey's sends (in a date range), and email health the last 30 days of sends.
    index('messages_journey_idx').on(t.journey, t.requestedAt),
    // Attribution: a customer's last message of a journey before a goal.
    index('messages_customer_journey_idx').on(t.customerId, t.journey, t.requestedAt),
    index('messages_requested_idx').on(t.requestedAt),
  ],
);

export const messageEvents = pgTable(
  'message_events',
  {
    id: serial('id').primaryKey(),
    messageId: integer('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    /** The provider's delivery id (svix-id, SMSC id:phone:status) so a redelivered webhook is a no-op. */
    providerEventId: text('provider_event_id'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('message_events_provider_event_idx').on(t.providerEventId),
    // Opens and clicks of a message (analytics, engagement) answered from the index alone.
    index('message_events_message_idx').on(t.messageId, t.type, t.occurredAt),
  ],
);

export const suppressions = pgTable(
  'suppressions',
  {
    channel: text('channel').$type<Channel>().notNull(),
    /** Lower-cased email or E.164 phone. */
    address: text('address').notNull(),
    reason: text('reason').$type<'hard_bounce' | 'complaint' | 'unsubscribe' | 'invalid'>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.channel, t.address] })],
);

/**
 * Signals to runs that a committed change owes them (a provider report's `message.<status>`).
 * Written in the same transaction as the change, sent after commit, and re-sent by the sweeper
 * until Temporal takes them, so a Temporal outage delays a signal and never loses it.
 */
export const pendingSignals = pgTable(
  'pending_signals',
  {
    id: serial('id').primaryKey(),
    workflowId: text('workflow_id').notNull(),
    /** The JourneyEvent the run receives on its `event` signal. */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    lastError: text('last_error'),
    createdAt: createdAt(),
  },
  (t) => [index('pending_signals_due_idx').on(t.nextAttemptAt)],
);

export const apiKeyScopes = ['ingest', 'read', 'admin'] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

/**
 * API keys, stored as SHA-256 digests of the key (keys are long random strings, so a fast digest
 * is enough; the key itself is shown once, when it is created). The id names the key in logs and
 * audit rows.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** Hex SHA-256 of the whole key. */
    digest: text('digest').notNull(),
    scopes: jsonb('scopes').$type<ApiKeyScope[]>().notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('api_keys_digest_idx').on(t.digest)],
);

/**
 * Dashboard sign-ins (access/dashboard-sessions.ts): the browser holds a random session id, this
 * table only its SHA-256. `key_id` is the key signed in with (a stored key's id, or an environment
 * key's digest-based id, which is why it references nothing): revoking or removing that key ends the
 * session at its next request.
 */
export const dashboardSessions = pgTable(
  'dashboard_sessions',
  {
    /** Hex SHA-256 of the session id in the cookie. */
    digest: text('digest').primaryKey(),
    keyId: text('key_id').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('dashboard_sessions_key_idx').on(t.keyId), index('dashboard_sessions_expires_idx').on(t.expiresAt)],
);

/** Alerts raised, one row per cause and window: the window is what keeps a cause from paging twice. */
export const alerts = pgTable(
  'alerts',
  {
    id: serial('id').primaryKey(),
    /** What went wrong, stable across windows: `channel-failures:email`, `provider-auth:resend`, `runs-failed`… */
    cause: text('cause').notNull(),
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    severity: text('severity').$type<'warning' | 'critical'>().notNull(),
    summary: text('summary').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    raisedAt: timestamp('raised_at', { withTimezone: true }).notNull().defaultNow(),
    /** When the chat webhook took it; null while it is still to be posted. */
    postedAt: timestamp('posted_at', { withTimezone: true }),
    postError: text('post_error'),
  },
  (t) => [uniqueIndex('alerts_cause_window_idx').on(t.cause, t.windowStart), index('alerts_raised_idx').on(t.raisedAt)],
);

/** A named audience: a predicate over customers (workflows/predicate.ts), evaluated when asked, never stored as a list. */
export const segments = pgTable('segments', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  where: jsonb('where').$type<Record<string, unknown>>().notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const campaignStatuses = ['scheduled', 'running', 'paused', 'done', 'cancelled'] as const;
export type CampaignStatus = (typeof campaignStatuses)[number];

/**
 * A journey for every member of a segment. The row is what was asked for and how far it got; the
 * campaign workflow (one per campaign, or one per firing of its schedule) writes the progress.
 */
export const campaigns = pgTable('campaigns', {
  id: text('id').primaryKey(),
  journey: text('journey').notNull(),
  segmentId: text('segment_id')
    .notNull()
    .references(() => segments.id),
  ratePerSecond: integer('rate_per_second'),
  /** Test mode: only these customers, whatever the segment says. */
  testRecipients: jsonb('test_recipients').$type<string[]>(),
  /** A stable share of the segment (by a hash of campaign and customer), widened by a later call. */
  rolloutPercent: integer('rollout_percent').notNull().default(100),
  /** A stable share of the members kept out (recorded, sent nothing) to measure the campaign's uplift. */
  holdoutPercent: integer('holdout_percent').notNull().default(0),
  /** Recurring: `{ "cron": "0 9 1 1,4,7,10 *" }` or `{ "every": "1 day" }`, run by a Temporal Schedule. */
  schedule: jsonb('schedule').$type<{ cron?: string; every?: string; timeZone?: string }>(),
  status: text('status').$type<CampaignStatus>().notNull(),
  total: integer('total').notNull().default(0),
  enrolled: integer('enrolled').notNull().default(0),
  skipped: integer('skipped').notNull().default(0),
  lastError: text('last_error'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  startedAt: timestamp('started_at', { withTimezone: true }),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
});

/**
 * A merge of one customer into another: what moved, and the merged customer's row as it was, so the
 * merge can be read back and undone.
 */
export const customerMerges = pgTable(
  'customer_merges',
  {
    id: serial('id').primaryKey(),
    /** The duplicate that was folded in (its customers row is gone after the merge). */
    sourceId: text('source_id').notNull(),
    targetId: text('target_id').notNull(),
    actor: text('actor').notNull(),
    /** The source's customers row, consents and push tokens before the merge. */
    snapshot: jsonb('snapshot').$type<Record<string, unknown>>().notNull(),
    /** Ids of the rows re-pointed at the target, per table. */
    moved: jsonb('moved').$type<Record<string, unknown>>().notNull(),
    mergedAt: timestamp('merged_at', { withTimezone: true }).notNull().defaultNow(),
    revertedAt: timestamp('reverted_at', { withTimezone: true }),
  },
  (t) => [index('customer_merges_source_idx').on(t.sourceId), index('customer_merges_target_idx').on(t.targetId)],
);
