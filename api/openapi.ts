/**
 * The OpenAPI 3.1 document, served at GET /openapi.json. Built from one table of routes whose request
 * schemas are the very zod objects the routes parse with (schemas/), converted by zod's own
 * JSON Schema output (2020-12, the dialect OpenAPI 3.1 uses): a schema is written once.
 */
import { Router } from 'express';
import { z } from 'zod';
import { resendEventSchema } from '../reports/resend-events';
import { customerIdSchema, errorSchema } from '../schemas/common';
import { consentAnswer, consentBody, consentHistoryAnswer } from '../schemas/consents';
import { preferencesForm as preferencesFormSchema } from '../schemas/preferences';
import { customerAnswer, customerBody, customerDetail, messagesAnswer } from '../schemas/customers';
import { eventAnswer, eventBatchAnswer, eventBatchBody, eventBody, eventQuery, BATCH_BODY_LIMIT } from '../schemas/events';
import { outboxAnswer, outboxQuery } from '../schemas/outbox';
import { timelineAnswer, timelineQuery } from '../schemas/timeline';
import { smscCallback } from './routes/webhooks-smsc';
import type { ApiKeyScope } from '../access/scopes';
import { alertsAnswer, alertsQuery } from '../schemas/alerts';
import { apiKeyCreateBody, apiKeyCreated, apiKeyIdSchema, apiKeyList } from '../schemas/api-keys';
import { doctorAnswer } from '../schemas/doctor';
import { emailHealthAnswer, journeyRefSchema, resultsAnswer, resultsQuery, seriesAnswer, seriesQuery } from '../schemas/analytics';
import { experimentsAnswer, experimentsQuery } from '../schemas/experiments';
import { campaignAnswer, campaignBody, campaignList, campaignRefSchema } from '../schemas/campaigns';
import { membersAnswer, membersQuery, segmentAnswer, segmentBody, segmentCount, segmentIdSchema, segmentList } from '../schemas/segments';
import { customerImportAnswer, customerImportBody, orderImportAnswer, orderImportBody } from '../schemas/import';
import { dashboardFilters, dashboardLoginForm, dashboardLogoutForm } from '../schemas/dashboard';
import { dataQualityAnswer, mergeAnswer, mergeBody, mergeIdSchema, reconciliationAnswer, reconciliationQuery, revertAnswer } from '../schemas/audit';

type Method = 'get' | 'put' | 'post' | 'delete';

export interface ApiRoute {
  method: Method;
  /** OpenAPI form: /v1/customers/{customerId}. */
  path: string;
  summary: string;
  /** Behind the bearer API key (every /v1 route): the scope it needs. */
  key: ApiKeyScope | false;
  query?: z.ZodObject;
  /** Path parameters other than customerId. */
  params?: Record<string, z.ZodType>;
  body?: { schema: z.ZodType; type?: 'application/json' | 'application/x-www-form-urlencoded' | 'application/x-ndjson'; description?: string; /** Other media types the route reads the same body from (text/csv). */ alsoTypes?: string[] };
  /** Answers other than errors; errors are listed by status and share the Error shape. */
  ok: Record<number, { description: string; schema?: z.ZodType; type?: string }>;
  errors: number[];
}

const health = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.object({ database: z.enum(['ok', 'unavailable']), temporal: z.enum(['ok', 'unavailable']) }),
  unavailable: z.array(z.string()).optional(),
});
const received = z.object({ received: z.literal(true), matched: z.boolean(), duplicate: z.boolean().optional() });
const html = { type: 'text/html' };
const unsubscribeQuery = z.object({ token: z.string().meta({ description: 'The signed token from the link in the message' }) });

export const apiRoutes: ApiRoute[] = [
  {
    method: 'put',
    path: '/v1/customers/{customerId}',
    summary: 'Create or update a customer (a profile sync: it cannot undo an unsubscribe, complaint or bounce)',
    key: 'ingest',
    body: { schema: customerBody },
    ok: { 200: { description: 'Updated', schema: customerAnswer }, 201: { description: 'Created', schema: customerAnswer } },
    errors: [400, 401, 413],
  },
  {
    method: 'get',
    path: '/v1/customers/{customerId}',
    summary: 'The customer, with consents by channel and topic',
    key: 'read',
    ok: { 200: { description: 'The customer', schema: customerDetail } },
    errors: [400, 401, 404],
  },
  {
    method: 'get',
    path: '/v1/customers/{customerId}/messages',
    summary: "The customer's send ledger, newest first",
    key: 'read',
    ok: { 200: { description: 'The ledger', schema: messagesAnswer } },
    errors: [400, 401, 404],
  },
  {
    method: 'get',
    path: '/v1/customers/{customerId}/timeline',
    summary: 'Events, runs (started, waiting for what, ended why), messages and provider reports, newest first',
    key: 'read',
    query: timelineQuery,
    ok: { 200: { description: 'The timeline', schema: timelineAnswer } },
    errors: [400, 401, 404],
  },
  {
    method: 'put',
    path: '/v1/customers/{customerId}/consents',
    summary: "The customer's own consent; granting lifts an unsubscribe or complaint older than consentedAt",
    key: 'ingest',
    body: { schema: consentBody },
    ok: { 200: { description: 'The consents now', schema: consentAnswer } },
    errors: [400, 401, 404, 409, 413],
  },
  {
    method: 'get',
    path: '/v1/customers/{customerId}/consents/history',
    summary: 'Every consent change asked for, applied or refused, newest first',
    key: 'read',
    ok: { 200: { description: 'The history', schema: consentHistoryAnswer } },
    errors: [400, 401, 404],
  },
  {
    method: 'post',
    path: '/v1/events',
    summary: 'An event: starts the journeys it triggers and reaches the runs that listen to it (id is the idempotency key). Answered once stored; ?wait=routed answers once routed',
    key: 'ingest',
    query: eventQuery,
    body: { schema: eventBody },
    ok: {
      202: { description: 'Stored (routing pending), or with ?wait=routed stored and routed', schema: eventAnswer },
      200: { description: 'The same id again', schema: eventAnswer },
    },
    errors: [400, 401, 404, 409, 413, 422, 503],
  },
  {
    method: 'post',
    path: '/v1/events/batch',
    summary: 'Up to 1,000 events, each taken like POST /v1/events and answered item by item',
    key: 'ingest',
    query: eventQuery,
    body: { schema: eventBatchBody, description: `At most ${BATCH_BODY_LIMIT}` },
    ok: { 200: { description: 'One result per item, in order; each item has the status a POST /v1/events would have', schema: eventBatchAnswer } },
    errors: [400, 401, 413],
  },
  {
    method: 'get',
    path: '/v1/outbox',
    summary: 'Messages held by the outbox channel, newest first',
    key: 'read',
    query: outboxQuery,
    ok: { 200: { description: 'The outbox', schema: outboxAnswer } },
    errors: [400, 401],
  },
  {
    method: 'post',
    path: '/v1/api-keys',
    summary: 'Create a stored API key with scopes; the key is in this answer only',
    key: 'admin',
    body: { schema: apiKeyCreateBody },
    ok: { 201: { description: 'Created', schema: apiKeyCreated } },
    errors: [400, 401, 403, 413],
  },
  {
    method: 'get',
    path: '/v1/api-keys',
    summary: 'Stored API keys, never their secrets',
    key: 'admin',
    ok: { 200: { description: 'The keys', schema: apiKeyList } },
    errors: [401, 403],
  },
  {
    method: 'delete',
    path: '/v1/api-keys/{id}',
    summary: 'Revoke a stored API key',
    key: 'admin',
    params: { id: apiKeyIdSchema },
    ok: { 204: { description: 'Revoked (or already revoked)' } },
    errors: [401, 403, 404],
  },
  {
    method: 'post',
    path: '/v1/campaigns',
    summary: 'Create (201) or replace (200) a campaign: its journey for every member of a segment, once or on a schedule; a wider rollout pages again, nobody twice',
    key: 'admin',
    body: { schema: campaignBody },
    ok: { 201: { description: 'Created and started (or scheduled)', schema: campaignAnswer }, 200: { description: 'Replaced', schema: campaignAnswer } },
    errors: [400, 401, 403, 413],
  },
  {
    method: 'get',
    path: '/v1/campaigns',
    summary: 'Every campaign with its progress',
    key: 'read',
    ok: { 200: { description: 'The campaigns', schema: campaignList } },
    errors: [401, 403],
  },
  {
    method: 'get',
    path: '/v1/campaigns/{id}',
    summary: "A campaign: status, total, enrolled, skipped",
    key: 'read',
    params: { id: campaignRefSchema },
    ok: { 200: { description: 'The campaign', schema: campaignAnswer } },
    errors: [400, 401, 403, 404],
  },
  {
    method: 'post',
    path: '/v1/campaigns/{id}/pause',
    summary: 'Pause enrolment (and the schedule of a recurring campaign)',
    key: 'admin',
    params: { id: campaignRefSchema },
    ok: { 200: { description: 'The campaign', schema: campaignAnswer } },
    errors: [400, 401, 403, 404, 409],
  },
  {
    method: 'post',
    path: '/v1/campaigns/{id}/resume',
    summary: 'Resume a paused campaign',
    key: 'admin',
    params: { id: campaignRefSchema },
    ok: { 200: { description: 'The campaign', schema: campaignAnswer } },
    errors: [400, 401, 403, 404, 409],
  },
  {
    method: 'post',
    path: '/v1/campaigns/{id}/cancel',
    summary: 'Cancel: nobody more is enrolled; runs already started go on',
    key: 'admin',
    params: { id: campaignRefSchema },
    ok: { 200: { description: 'The campaign', schema: campaignAnswer } },
    errors: [400, 401, 403, 404, 409],
  },
  {
    method: 'get',
    path: '/v1/doctor',
    summary: "The doctor's preflight checks, from inside the API process",
    key: 'admin',
    ok: { 200: { description: 'Every check (200 even when some fail)', schema: doctorAnswer } },
    errors: [401, 403],
  },
  {
    method: 'get',
    path: '/v1/alerts',
    summary: 'Alerts raised, newest first',
    key: 'read',
    query: alertsQuery,
    ok: { 200: { description: 'The alerts', schema: alertsAnswer } },
    errors: [400, 401, 403],
  },
  {
    method: 'post',
    path: '/v1/import/customers',
    summary: 'Load customers in bulk: NDJSON or CSV, streamed, each row a PUT /v1/customers/:id body plus id; answered row by row',
    key: 'ingest',
    body: { schema: customerImportBody, type: 'application/x-ndjson', alsoTypes: ['text/csv'], description: 'One customer a line' },
    ok: { 200: { description: 'Rows stored, and each rejected row with its line and field', schema: customerImportAnswer } },
    errors: [400, 401, 403, 409, 413, 415],
  },
  {
    method: 'post',
    path: '/v1/import/orders',
    summary: 'Load order history in bulk: NDJSON or CSV, streamed; starts no journey and sends no order confirmation',
    key: 'ingest',
    body: { schema: orderImportBody, type: 'application/x-ndjson', alsoTypes: ['text/csv'], description: 'One order a line' },
    ok: { 200: { description: 'Rows stored, and each rejected row with its line and field', schema: orderImportAnswer } },
    errors: [400, 401, 403, 409, 413, 415],
  },
  {
    method: 'get',
    path: '/v1/data-quality',
    summary: 'Duplicate customers, invalid emails and phones, implausible order histories, activity without contact: counts and samples',
    key: 'read',
    ok: { 200: { description: 'The findings', schema: dataQualityAnswer } },
    errors: [401, 403],
  },
  {
    method: 'get',
    path: '/v1/reconciliation',
    summary: 'New customers, orders and revenue per day, source and currency, to compare with the shop\'s books',
    key: 'read',
    query: reconciliationQuery,
    ok: { 200: { description: 'Every day of the range', schema: reconciliationAnswer } },
    errors: [400, 401, 403],
  },
  {
    method: 'post',
    path: '/v1/customers/{customerId}/merge',
    summary: 'Fold a duplicate (from) into this customer: events, orders, consents (the stricter wins), ledger; reversible',
    key: 'admin',
    body: { schema: mergeBody },
    ok: { 200: { description: 'Merged', schema: mergeAnswer } },
    errors: [400, 401, 403, 404, 409],
  },
  {
    method: 'post',
    path: '/v1/customer-merges/{mergeId}/revert',
    summary: 'Undo a merge from its record: the duplicate and its rows come back',
    key: 'admin',
    params: { mergeId: mergeIdSchema },
    ok: { 200: { description: 'Reverted', schema: revertAnswer } },
    errors: [401, 403, 404, 409],
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics of this process (a bearer CASCADE_METRICS_TOKEN when one is set; without one, served only while the API listens on loopback)',
    key: false,
    ok: { 200: { description: 'Prometheus text exposition', type: 'text/plain' } },
    errors: [401, 403],
  },
  {
    method: 'post',
    path: '/webhooks/resend',
    summary: 'Resend delivery events, Svix-signed',
    key: false,
    body: { schema: resendEventSchema },
    ok: { 200: { description: 'Taken (or not about an email)', schema: received } },
    errors: [400, 401, 503],
  },
  {
    method: 'post',
    path: '/webhooks/smsc',
    summary: 'SMSC delivery callbacks, md5-signed with SMSC_CALLBACK_SECRET',
    key: false,
    body: { schema: smscCallback, type: 'application/x-www-form-urlencoded' },
    ok: { 200: { description: 'OK', type: 'text/plain' } },
    errors: [400, 401],
  },
  {
    method: 'get',
    path: '/unsubscribe',
    summary: 'The preference center behind the link in every marketing message: channels × topics (changes nothing)',
    key: false,
    query: unsubscribeQuery,
    ok: { 200: { description: 'The preference center', ...html }, 400: { description: 'The link is not valid', ...html } },
    errors: [],
  },
  {
    method: 'post',
    path: '/unsubscribe',
    summary: "Unsubscribe from the message's topic on its channel at once (RFC 8058 one-click)",
    key: false,
    query: unsubscribeQuery,
    ok: { 200: { description: 'Unsubscribed', ...html }, 400: { description: 'The link is not valid', ...html } },
    errors: [],
  },
  {
    method: 'post',
    path: '/preferences',
    summary: "The preference center's form: the boxes ticked, or everything off (wants the page's form token)",
    key: false,
    query: unsubscribeQuery,
    body: { schema: preferencesFormSchema, type: 'application/x-www-form-urlencoded' },
    ok: { 303: { description: 'Saved: back to the page' }, 400: { description: 'The link is not valid', ...html }, 403: { description: 'No form token, or not this page\'s (CSRF)', ...html } },
    errors: [],
  },
  {
    method: 'get',
    path: '/healthz',
    summary: 'Whether Postgres and Temporal answer',
    key: false,
    ok: { 200: { description: 'Both answer', schema: health }, 503: { description: 'Something does not answer', schema: health } },
    errors: [],
  },
  {
    method: 'post',
    path: '/v1/segments',
    summary: 'Create or replace a segment: a named predicate over customers',
    key: 'admin',
    body: { schema: segmentBody },
    ok: { 200: { description: 'Replaced', schema: segmentAnswer }, 201: { description: 'Created', schema: segmentAnswer } },
    errors: [400, 401, 413],
  },
  {
    method: 'get',
    path: '/v1/segments',
    summary: 'Every segment',
    key: 'read',
    ok: { 200: { description: 'The segments', schema: segmentList } },
    errors: [401],
  },
  {
    method: 'get',
    path: '/v1/segments/{id}/count',
    summary: 'How many customers are in the segment now',
    key: 'read',
    params: { id: segmentIdSchema },
    ok: { 200: { description: 'The count', schema: segmentCount } },
    errors: [400, 401, 404],
  },
  {
    method: 'get',
    path: '/v1/segments/{id}/members',
    summary: 'The members, a page at a time in customer id order',
    key: 'read',
    params: { id: segmentIdSchema },
    query: membersQuery,
    ok: { 200: { description: 'A page of members', schema: membersAnswer } },
    errors: [400, 401, 404],
  },
  {
    method: 'get',
    path: '/v1/segments/{id}',
    summary: 'A segment',
    key: 'read',
    params: { id: segmentIdSchema },
    ok: { 200: { description: 'The segment', schema: segmentAnswer } },
    errors: [400, 401, 404],
  },
  {
    method: 'delete',
    path: '/v1/segments/{id}',
    summary: 'Delete a segment no campaign uses',
    key: 'admin',
    params: { id: segmentIdSchema },
    ok: { 204: { description: 'Deleted' } },
    errors: [400, 401, 404, 409],
  },
  // The dashboard: pages for people, signed in through the login form (a read key) and a session cookie, not the bearer header.
  {
    method: 'get',
    path: '/dashboard',
    summary: 'The dashboard: every journey and campaign (signed in; otherwise 303 to the login form)',
    key: false,
    ok: { 200: { description: 'The list', ...html }, 303: { description: 'Not signed in: to /dashboard/login' } },
    errors: [],
  },
  {
    method: 'get',
    path: '/dashboard/login',
    summary: 'The sign-in form (sets the form-token cookie)',
    key: false,
    ok: { 200: { description: 'The form', ...html }, 303: { description: 'Already signed in' } },
    errors: [],
  },
  {
    method: 'post',
    path: '/dashboard/login',
    summary: 'Sign in with an API key with the read scope: sets the HttpOnly, SameSite=Strict session cookie',
    key: false,
    body: { schema: dashboardLoginForm, type: 'application/x-www-form-urlencoded' },
    ok: {
      303: { description: 'Signed in: to the page asked for' },
      400: { description: 'The form is incomplete', ...html },
      401: { description: 'Unknown or revoked key', ...html },
      403: { description: 'No form token, or the key lacks the read scope', ...html },
    },
    errors: [],
  },
  {
    method: 'post',
    path: '/dashboard/logout',
    summary: 'Sign out (wants the page\'s form token)',
    key: false,
    body: { schema: dashboardLogoutForm, type: 'application/x-www-form-urlencoded' },
    ok: { 303: { description: 'Signed out: to the login form' }, 403: { description: 'No form token, or not this session\'s', ...html } },
    errors: [],
  },
  {
    method: 'get',
    path: '/dashboard/journeys/{journey}',
    summary: "A journey's results: funnel, rates over time, steps, channels, experiments (signed in)",
    key: false,
    params: { journey: z.string().meta({ description: 'A journey id (workflows/journeys/)' }) },
    query: dashboardFilters,
    ok: { 200: { description: 'The results page', ...html }, 303: { description: 'Not signed in' }, 400: { description: 'A bad filter, named', ...html }, 404: { description: 'No such journey', ...html } },
    errors: [],
  },
  {
    method: 'get',
    path: '/dashboard/campaigns/{id}',
    summary: "A campaign's results, as a journey's but only its runs (signed in)",
    key: false,
    params: { id: campaignRefSchema },
    query: dashboardFilters,
    ok: { 200: { description: 'The results page', ...html }, 303: { description: 'Not signed in' }, 400: { description: 'A bad filter, named', ...html }, 404: { description: 'No such campaign', ...html } },
    errors: [],
  },
  {
    method: 'get',
    path: '/v1/analytics/journeys/{journey}',
    summary: "A journey's results: sent, delivered, opened, clicked, bounced, complained, unsubscribed, converted, revenue and rates, per step and channel",
    key: 'read',
    params: { journey: journeyRefSchema },
    query: resultsQuery,
    ok: { 200: { description: 'The results', schema: resultsAnswer } },
    errors: [400, 401, 404],
  },
  {
    method: 'get',
    path: '/v1/analytics/journeys/{journey}/series',
    summary: "A journey's results per day of the messages",
    key: 'read',
    params: { journey: journeyRefSchema },
    query: seriesQuery,
    ok: { 200: { description: 'The days', schema: seriesAnswer } },
    errors: [400, 401, 404],
  },
  {
    method: 'get',
    path: '/v1/analytics/campaigns/{id}',
    summary: "A campaign's results: the messages of its runs, counted as a journey's",
    key: 'read',
    params: { id: campaignRefSchema },
    query: resultsQuery,
    ok: { 200: { description: 'The results', schema: resultsAnswer } },
    errors: [400, 401, 404],
  },
  {
    method: 'get',
    path: '/v1/analytics/campaigns/{id}/series',
    summary: "A campaign's results per day of the messages",
    key: 'read',
    params: { id: campaignRefSchema },
    query: seriesQuery,
    ok: { 200: { description: 'The days', schema: seriesAnswer } },
    errors: [400, 401, 404],
  },
  {
    method: 'get',
    path: '/v1/analytics/journeys/{journey}/experiments',
    summary: "A journey's experiments: per variant runs, sends, conversion and a z-test against the control; the holdout's uplift",
    key: 'read',
    params: { journey: journeyRefSchema },
    query: experimentsQuery,
    ok: { 200: { description: 'The experiments', schema: experimentsAnswer } },
    errors: [400, 401, 404],
  },
  {
    method: 'get',
    path: '/v1/analytics/campaigns/{id}/experiments',
    summary: "A campaign's runs by variant, and its holdout against the treated members (uplift)",
    key: 'read',
    params: { id: campaignRefSchema },
    query: experimentsQuery,
    ok: { 200: { description: 'The experiments', schema: experimentsAnswer } },
    errors: [400, 401, 404],
  },
  {
    method: 'get',
    path: '/v1/analytics/email-health',
    summary: 'Email health: inactive share of marketing sends (30 days), bounce and complaint rates (7 and 30 days), and a warning with what to do',
    key: 'read',
    ok: { 200: { description: 'The health', schema: emailHealthAnswer } },
    errors: [401],
  },
];

const ERROR_MEANING: Record<number, string> = {
  400: 'Bad input: the field is named',
  401: 'Missing, unknown or revoked key, or a bad signature',
  403: 'The key lacks the scope this route needs (GET /metrics: not served without CASCADE_METRICS_TOKEN beyond loopback)',
  404: 'The customer does not exist',
  409: 'Conflicts with what is stored',
  413: 'The body is over the limit',
  415: 'The body is not application/json',
  429: 'Over a rate limit: of this key, of failed authentications from this address, or of requests from this address to the public routes (Retry-After says when to try again)',
  422: 'Stored but can never be routed (dead-lettered)',
  503: 'Stored, not yet routed (retry with the same id), or not configured',
};

/** Named schemas (a recursive one refers to itself: the segment predicate) shared by the whole document. */
const components: Record<string, unknown> = {};

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  // What callers send (io: 'input'); checks JSON Schema cannot say (refinements) are simply left out.
  const { $schema: _dialect, $defs, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
  if (!$defs) return rest;
  // zod names a recursive schema in $defs, relative to its own root; in the document that root is components.
  const moved = JSON.parse(JSON.stringify({ $defs, rest }).replaceAll('"#/$defs/', '"#/components/schemas/')) as { $defs: Record<string, unknown>; rest: Record<string, unknown> };
  Object.assign(components, moved.$defs);
  return moved.rest;
}

function parameters(route: ApiRoute): unknown[] {
  const path = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: jsonSchema(route.params?.[name!] ?? customerIdSchema),
  }));
  const query = Object.entries(route.query?.shape ?? {}).map(([name, schema]) => {
    const s = schema as z.ZodType;
    const { description, ...rest } = jsonSchema(s) as { description?: string };
    return { name, in: 'query', required: !s.safeParse(undefined).success, ...(description ? { description } : {}), schema: rest };
  });
  return [...path, ...query];
}

function operation(route: ApiRoute): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(route.ok)) {
    const content = r.schema || r.type ? { content: { [r.type ?? 'application/json']: { schema: r.schema ? jsonSchema(r.schema) : { type: 'string' } } } } : {};
    responses[status] = { description: r.description, ...content };
  }
  // Every keyed route can answer a missing key, a key without the scope, and the per-key rate limit;
  // every public route, the per-address limit.
  const errors = [...new Set([...route.errors, 429, ...(route.key ? [401, 403, ...(route.body ? [415] : [])] : [])])].sort();
  for (const status of errors) {
    responses[status] = { description: ERROR_MEANING[status]!, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  }
  const params = parameters(route);
  return {
    summary: route.summary,
    operationId: `${route.method}${route.path.replace(/\{(\w+)\}/g, 'By-$1').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    // OpenAPI 3.1 lets a bearer requirement list role names: here, the API key scope the route needs.
    security: route.key ? [{ bearer: [route.key] }] : [],
    ...(params.length ? { parameters: params } : {}),
    ...(route.body
      ? { requestBody: { required: true, ...(route.body.description ? { description: route.body.description } : {}), content: Object.fromEntries([route.body.type ?? 'application/json', ...(route.body.alsoTypes ?? [])].map((type) => [type, { schema: jsonSchema(route.body!.schema) }])) } }
      : {}),
    responses,
  };
}

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of apiRoutes) (paths[route.path] ??= {})[route.method] = operation(route);
  paths['/openapi.json'] = {
    get: { summary: 'This document', operationId: 'getOpenApi', security: [], responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } } },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Cascade API',
      version: '1.0.0',
      description: 'Customer journeys on Temporal: customers and events in, messages out. Errors are { error: { code, message, field? } }.',
    },
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key; its scopes (ingest, read, admin; admin implies the others) decide what it may call' },
      },
      schemas: { Error: jsonSchema(errorSchema), ...components },
    },
  };
}

export function openApiRouter(): Router {
  const router = Router();
  const document = JSON.stringify(openApiDocument());
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(document);
  });
  return router;
}
