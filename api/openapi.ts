/**
 * The OpenAPI 3.1 document, served at GET /openapi.json, collected from the routes' own declarations
 * (api/declared-route.ts): their request schemas are the very zod objects the routes parse with
 * (schemas/), converted by zod's own JSON Schema output (2020-12, the dialect OpenAPI 3.1 uses).
 */
import { Router } from 'express';
import { z } from 'zod';
import { customerIdSchema, errorSchema } from '../schemas/common';
import type { ApiRoute } from './declared-route';
import { alertRoutes } from './routes/alerts';
import { analyticsRoutes } from './routes/analytics';
import { apiKeyRoutes } from './routes/api-keys';
import { auditRoutes } from './routes/audit';
import { campaignRoutes } from './routes/campaigns';
import { consentRoutes } from './routes/consents';
import { customerRoutes } from './routes/customers';
import { dashboardRoutes } from './routes/dashboard';
import { dataQualityRoutes } from './routes/data-quality';
import { doctorRoutes } from './routes/doctor';
import { eventBatchRoutes } from './routes/events-batch';
import { eventRoutes } from './routes/events';
import { experimentRoutes } from './routes/experiments';
import { journeyRoutes } from './routes/journeys';
import { journeyControlRoutes } from './routes/journey-controls';
import { messageRoutes } from './routes/messages';
import { customerRightsRoutes } from './routes/customer-rights';
import { healthRoutes } from './routes/health';
import { importRoutes } from './routes/import';
import { mergeRoutes } from './routes/merges';
import { metricsRoutes } from './routes/metrics';
import { outboxRoutes } from './routes/outbox';
import { reconciliationRoutes } from './routes/reconciliation';
import { segmentRoutes } from './routes/segments';
import { segmentIngestRoutes } from './routes/segment';
import { timelineRoutes } from './routes/timeline';
import { unsubscribeRoutes } from './routes/unsubscribe';
import { resendWebhookRoutes } from './routes/webhooks-resend';
import { smscWebhookRoutes } from './routes/webhooks-smsc';
import { telegramRoutes } from './routes/telegram';
import { templateRoutes } from './routes/templates';
import { dashboardTemplateRoutes } from './routes/dashboard-templates';
import { webhookSubscriptionRoutes } from './routes/webhook-subscriptions';

/** Every declared route, in the document's order. */
export const apiRoutes: ApiRoute[] = [
  customerRoutes,
  timelineRoutes,
  consentRoutes,
  eventRoutes,
  eventBatchRoutes,
  segmentIngestRoutes,
  outboxRoutes,
  apiKeyRoutes,
  auditRoutes,
  campaignRoutes,
  doctorRoutes,
  alertRoutes,
  importRoutes,
  dataQualityRoutes,
  reconciliationRoutes,
  mergeRoutes,
  metricsRoutes,
  resendWebhookRoutes,
  smscWebhookRoutes,
  telegramRoutes,
  unsubscribeRoutes,
  healthRoutes,
  segmentRoutes,
  dashboardRoutes,
  analyticsRoutes,
  experimentRoutes,
  journeyRoutes,
  journeyControlRoutes,
  messageRoutes,
  customerRightsRoutes,
  templateRoutes,
  dashboardTemplateRoutes,
  webhookSubscriptionRoutes,
].flatMap((group) => Object.values(group));

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
  502: 'The provider refused or did not answer: its message is passed on',
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
