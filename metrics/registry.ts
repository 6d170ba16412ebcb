/**
 * Every Prometheus metric Cascade keeps, in one registry per process (the API, the worker, or both
 * under `npm start`). Labels stay low-cardinality on purpose: channel, journey, status, provider,
 * error class, outcome; never a customer id, an address or an event id, which would grow a series
 * per customer and put personal data into the metrics store.
 *
 * Campaign progress is not here: campaigns do not exist yet. When they do, their progress belongs
 * in a scrape-time gauge (see database-gauges.ts), not in counters that reset with the process.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const registers = [registry];

export const eventsAccepted = new Counter({
  name: 'cascade_events_accepted_total',
  help: 'Events taken by POST /v1/events (outcome: stored, or duplicate of an id already stored)',
  labelNames: ['outcome'] as const,
  registers,
});

export const eventsRouted = new Counter({
  name: 'cascade_events_routed_total',
  help: 'Stored events routed to their runs (by the router, or the request with ?wait=routed)',
  registers,
});

export const eventsDeadLettered = new Counter({
  name: 'cascade_events_dead_lettered_total',
  help: 'Events that can never be routed, set aside with their reason',
  registers,
});

export const routingRetries = new Counter({
  name: 'cascade_event_routing_retries_total',
  help: 'Routing attempts that failed retryably (Temporal or Postgres down); the router tries again with backoff',
  registers,
});

export const temporalCalls = new Counter({
  name: 'cascade_temporal_calls_total',
  help: 'Calls to Temporal that start or signal runs (signalWithStart, start, signal): divided by routed events, the cost of an event',
  labelNames: ['call'] as const,
  registers,
});

export const signals = new Counter({
  name: 'cascade_signals_total',
  help: 'Signals to runs (events and message reports); outcome: delivered, run_ended (nobody left to tell) or failed',
  labelNames: ['outcome'] as const,
  registers,
});

export const messagesDecided = new Counter({
  name: 'cascade_messages_total',
  help: 'Send decisions as they are recorded in the ledger: sent, skipped (consent, suppression, cap, bad address) or failed',
  labelNames: ['channel', 'journey', 'status'] as const,
  registers,
});

export const providerLatency = new Histogram({
  name: 'cascade_provider_request_seconds',
  help: 'How long one call to a channel provider took (Resend, SMSC, FCM, webhook, outbox), by outcome',
  labelNames: ['provider', 'channel', 'outcome'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers,
});

export const providerErrors = new Counter({
  name: 'cascade_provider_errors_total',
  help: 'Failed provider calls by class: transient (retried), permanent (never), invalid_contact (bad address)',
  labelNames: ['provider', 'channel', 'class'] as const,
  registers,
});

export const webhookVerifications = new Counter({
  name: 'cascade_webhook_verifications_total',
  help: 'Signature checks of provider webhooks (Resend, SMSC): ok or failed',
  labelNames: ['provider', 'outcome'] as const,
  registers,
});

export const runsStarted = new Counter({
  name: 'cascade_runs_started_total',
  help: 'Journey runs that recorded their start',
  labelNames: ['journey'] as const,
  registers,
});

export const runsEnded = new Counter({
  name: 'cascade_runs_ended_total',
  help: 'Journey runs ended, by reason: completed, exited, failed, refused (by their own code), terminated, timed_out, cancelled (found by the reconciler)',
  labelNames: ['reason'] as const,
  registers,
});

/** One send decision recorded in the ledger. */
export function countMessage(m: { channel: string; journey: string }, status: 'sent' | 'skipped' | 'failed'): void {
  messagesDecided.inc({ channel: m.channel, journey: m.journey, status });
}
