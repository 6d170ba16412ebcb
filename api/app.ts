/**
 * The Express app: the public routes behind a per-address limit, the v1 routes behind API keys (with
 * failed attempts limited per address) and their scopes, JSON bodies parsed by the routes that take
 * them, one error shape out.
 */
import express from 'express';
import { createKeyVerifier } from '../access/verifier';
import { authenticate } from './auth';
import { recordAudit } from './record-audit';
import { auditRouter } from './routes/audit';
import { errorHandler } from './errors';
import { jsonBodiesOnly } from './json-only';
import type { LifecycleDeps } from '../lifecycle/deps';
import type { TrustProxy } from '../lib/config';
import { limitFailedAuth } from './limits/failed-auth';
import { limitPublicRoutes } from './limits/public-routes';
import { rateLimitPerKey, type RateLimit } from './rate-limit';
import { apiKeysRouter } from './routes/api-keys';
import { customersRouter } from './routes/customers';
import { doctorRouter } from './routes/doctor';
import { eventsRouter } from './routes/events';
import { healthRouter } from './routes/health';
import { metricsRouter } from './routes/metrics';
import { alertsRouter } from './routes/alerts';
import { outboxRouter } from './routes/outbox';
import { consentsRouter } from './routes/consents';
import { unsubscribeRouter } from './routes/unsubscribe';
import { resendWebhookRouter } from './routes/webhooks-resend';
import { smscWebhookRouter } from './routes/webhooks-smsc';
import { telegramLinkRouter, telegramWebhookRouter, type TelegramRouteDeps } from './routes/telegram';
import { openApiRouter } from './openapi';
import { eventsBatchRouter } from './routes/events-batch';
import { timelineRouter } from './routes/timeline';
import { campaignsRouter } from './routes/campaigns';
import { analyticsRouter } from './routes/analytics';
import { experimentsRouter } from './routes/experiments';
import { journeysRouter } from './routes/journeys';
import { segmentsRouter } from './routes/segments';
import { importRouter } from './routes/import';
import type { ImportLimits } from '../import/parse';
import { dataQualityRouter } from './routes/data-quality';
import { mergesRouter } from './routes/merges';
import { reconciliationRouter } from './routes/reconciliation';
import { dashboardRouter } from './routes/dashboard';
import { journeyControlsRouter } from './routes/journey-controls';
import { messagesRouter } from './routes/messages';
import { segmentIngestRouter } from './routes/segment';
import type { SegmentEventMap } from '../segment-ingest/event-names';
import { customerRightsRouter } from './routes/customer-rights';
import { templatesRouter } from './routes/templates';
import { webhookSubscriptionsRouter } from './routes/webhook-subscriptions';
import { defaultTemplateTools, type TemplateTools } from '../template-preview/tools';

export interface AppDeps extends LifecycleDeps {
  /** Admin keys from CASCADE_API_KEYS; scoped keys live in the database (api/routes/api-keys.ts). */
  apiKeys: string[];
  /** How long a verified stored key is trusted without a database read (default 30 s). */
  apiKeyCacheMs?: number;
  /** Requests per key; without it, unlimited (tests, bench). */
  rateLimit?: RateLimit;
  /** Failed authentications per client address (/v1, dashboard sign-in); without it, unlimited (tests). */
  failedAuthLimit?: RateLimit;
  /** Requests per client address outside /v1; without it, unlimited (tests). */
  publicRateLimit?: RateLimit;
  /** Express `trust proxy` (CASCADE_TRUST_PROXY): whose X-Forwarded-For and -Proto are believed; none without it. */
  trustProxy?: TrustProxy;
  /** Signs and checks unsubscribe links; without it the unsubscribe page answers 400. */
  unsubscribeSecret?: string;
  /** CASCADE_PUBLIC_URL: when https, the dashboard's cookies are Secure. */
  publicUrl?: string;
  /** Verifies Resend webhooks; without it they are refused with 503. */
  resendWebhookSecret?: string;
  /** Verifies SMSC delivery callbacks; without it they are taken unsigned (see webhooks-smsc.ts). */
  smscCallbackSecret?: string;
  /** With it, GET /metrics wants this bearer token (CASCADE_METRICS_TOKEN). */
  metricsToken?: string;
  /** Why GET /metrics is closed (no token, listening beyond loopback: metrics/serve.ts); open without it. */
  metricsClosed?: string;
  /** Rows and bytes one import request may carry (CASCADE_IMPORT_MAX_ROWS, CASCADE_IMPORT_MAX_BYTES). */
  importLimits?: ImportLimits;
  /** CASCADE_SUNSET_DAYS, shown by email health (the worker applies it: contactability/sunset.ts). */
  sunsetDays?: number;
  /** The renderer and channel adapters the template routes use (template-preview/tools.ts); the outbox everywhere without them. */
  templates?: TemplateTools;
  /** Segment `track` names → event types (CASCADE_SEGMENT_EVENT_MAP); the defaults without it. */
  segmentEventMap?: SegmentEventMap;
  /** The Telegram bot's client and webhook secret; without them the Telegram routes answer 503. */
  telegram?: TelegramRouteDeps['telegram'];
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // req.ip and req.secure, which the per-address limits and the dashboard's cookies read, follow it.
  app.set('trust proxy', deps.trustProxy ?? false);
  if (deps.publicRateLimit) app.use(limitPublicRoutes(deps.publicRateLimit));
  const failedAuth = deps.failedAuthLimit ? limitFailedAuth(deps.failedAuthLimit) : undefined;
  app.use(healthRouter(deps.db, deps.client));
  app.use(metricsRouter(deps.metricsToken, deps.metricsClosed));
  app.use(openApiRouter());
  // Before the JSON parser: the webhook route reads its raw body; both are public (signed links / signatures).
  app.use(resendWebhookRouter({ db: deps.db, client: deps.client, secret: deps.resendWebhookSecret }));
  app.use(unsubscribeRouter(deps.db, deps.unsubscribeSecret));
  app.use(smscWebhookRouter({ db: deps.db, client: deps.client, secret: deps.smscCallbackSecret }));
  app.use(telegramWebhookRouter(deps));
  const verifier = createKeyVerifier({ db: deps.db, envKeys: deps.apiKeys, cacheTtlMs: deps.apiKeyCacheMs });
  const templates = deps.templates ?? defaultTemplateTools();
  // Pages for people, signed in with the same keys through a form and a cookie instead of a header.
  app.use(dashboardRouter({ db: deps.db, client: deps.client, verifier, publicUrl: deps.publicUrl, failedSignIns: failedAuth, templates }));
  if (failedAuth) app.use('/v1', failedAuth);
  // Segment's clients send the key as HTTP Basic (api/routes/segment.ts).
  app.use('/v1', authenticate(verifier, { basicAuthUnder: '/segment/' }));
  app.use('/v1', recordAudit(deps.db));
  if (deps.rateLimit) app.use('/v1', rateLimitPerKey(deps.rateLimit));
  // Before the JSON-only gate: an import's body is an NDJSON or CSV file, read as a stream.
  app.use(importRouter(deps.db, deps.importLimits));
  // Also before it: RudderStack's SDK labels its gzipped JSON form-urlencoded.
  app.use(segmentIngestRouter(deps));
  app.use('/v1', jsonBodiesOnly);
  // No app-wide body parser: each route that takes a JSON body parses it (api/json-body.ts), so a
  // request no route takes is answered 404 unread.
  app.use(eventsBatchRouter(deps));
  // The busiest route first: every router before it is matched against every event.
  app.use(eventsRouter(deps));
  app.use(apiKeysRouter(deps.db, verifier));
  app.use(auditRouter(deps.db));
  app.use(customersRouter(deps.db));
  app.use(consentsRouter(deps.db));
  app.use(outboxRouter(deps.db));
  app.use(doctorRouter(deps));
  app.use(alertsRouter(deps.db));
  app.use(timelineRouter(deps));
  app.use(campaignsRouter(deps));
  app.use(segmentsRouter(deps.db));
  app.use(dataQualityRouter(deps.db));
  app.use(mergesRouter(deps.db, deps.client));
  app.use(reconciliationRouter(deps.db));
  app.use(analyticsRouter(deps.db, deps.sunsetDays));
  app.use(experimentsRouter(deps.db));
  app.use(journeyControlsRouter(deps));
  app.use(messagesRouter(deps));
  app.use(customerRightsRouter(deps.db));
  app.use(telegramLinkRouter(deps));
  app.use(journeysRouter(deps));
  app.use(templatesRouter({ db: deps.db, publicUrl: deps.publicUrl, ...templates }));
  app.use(webhookSubscriptionsRouter(deps.db));
  app.use((req, _res, next) => next(Object.assign(new Error(`No route for ${req.method} ${req.path}`), { status: 404 })));
  app.use(errorHandler);
  return app;
}
