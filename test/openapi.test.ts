/**
 * GET /openapi.json: served without a key, a valid OpenAPI 3.1 document by a standard validator,
 * and every documented path is one the running app answers.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { seedCustomer, startTestApi, useCascade, useTestApi } from './support/cascade';

let env: TestWorkflowEnvironment;
let database: Database;
let api: Awaited<ReturnType<typeof startTestApi>>;
useCascade('dev-server', (c) => ({ env, database } = c));
useTestApi(() => ({ database, env }), (a) => (api = a));

/** The app's answer for a path no route serves (api/app.ts), as opposed to a route's own 404 for a missing thing. */
async function noRoute(res: Response): Promise<boolean> {
  if (res.status !== 404) return false;
  const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
  return /^No route for /.test(body.error?.message ?? '');
}

type Doc = { openapi: string; paths: Record<string, Record<string, { security: unknown[]; requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } }>> };

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document, served without a key', async () => {
    const res = await fetch(`${api.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Doc;
    expect(doc.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/healthz',
        '/openapi.json',
        '/unsubscribe',
        '/preferences',
        '/v1/customers/{customerId}',
        '/v1/customers/{customerId}/consents',
        '/v1/customers/{customerId}/consents/history',
        '/v1/customers/{customerId}/messages',
        '/v1/customers/{customerId}/timeline',
        '/v1/events',
        '/v1/events/batch',
        '/v1/outbox',
        '/v1/api-keys',
        '/v1/api-keys/{id}',
        '/v1/doctor',
        '/v1/alerts',
        '/v1/segments',
        '/v1/segments/{id}',
        '/v1/segments/{id}/count',
        '/v1/segments/{id}/members',
        '/v1/import/customers',
        '/v1/import/orders',
        '/v1/data-quality',
        '/v1/reconciliation',
        '/v1/customers/{customerId}/merge',
        '/v1/customer-merges/{mergeId}/revert',
        '/v1/campaigns',
        '/v1/campaigns/{id}',
        '/v1/campaigns/{id}/pause',
        '/v1/campaigns/{id}/resume',
        '/v1/campaigns/{id}/cancel',
        '/v1/analytics/journeys/{journey}',
        '/v1/analytics/journeys/{journey}/series',
        '/v1/analytics/campaigns/{id}',
        '/v1/analytics/campaigns/{id}/series',
        '/v1/analytics/journeys/{journey}/experiments',
        '/v1/analytics/campaigns/{id}/experiments',
        '/v1/analytics/email-health',
        '/metrics',
        '/webhooks/resend',
        '/webhooks/smsc',
        '/dashboard',
        '/dashboard/login',
        '/dashboard/logout',
        '/dashboard/journeys/{journey}',
        '/dashboard/campaigns/{id}',
      ].sort(),
    );
    // The body schemas are the routes' own: the event body lists exactly what POST /v1/events takes.
    const event = doc.paths['/v1/events']!.post!.requestBody!.content['application/json']!.schema;
    expect(Object.keys(event.properties!).sort()).toEqual(['customerId', 'id', 'occurredAt', 'properties', 'type']);
    // Each keyed route names the scope it needs.
    expect(doc.paths['/v1/events']!.post!.security).toEqual([{ bearer: ['ingest'] }]);
    expect(doc.paths['/v1/outbox']!.get!.security).toEqual([{ bearer: ['read'] }]);
    expect(doc.paths['/v1/api-keys']!.post!.security).toEqual([{ bearer: ['admin'] }]);
    expect(doc.paths['/v1/campaigns']!.post!.security).toEqual([{ bearer: ['admin'] }]);
    expect(doc.paths['/v1/campaigns/{id}']!.get!.security).toEqual([{ bearer: ['read'] }]);
    expect(doc.paths['/healthz']!.get!.security).toEqual([]);
  });

  it('documents only routes the app has: each path and method reaches a route (no "No route" 404)', async () => {
    await seedCustomer(database.db, { id: 'olga' });
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as Doc;
    const key = (await (await api.call('/v1/api-keys', { method: 'POST', body: JSON.stringify({ name: 'openapi', scopes: ['read'] }) })).json()) as { id: string };
    // {id} is also a segment's: one must exist for its routes to answer (the paths list its DELETE last).
    await api.call('/v1/segments', { method: 'POST', body: JSON.stringify({ id: key.id, name: 'openapi', where: { all: [] } }) });
    // …and a campaign's (of that segment, in test mode: olga alone).
    await api.call('/v1/campaigns', { method: 'POST', body: JSON.stringify({ id: key.id, journey: 'quarterly-bonus', segment: key.id, testRecipients: ['olga'] }) });

    // Controls: the same probe on a path no route serves must come back as the app's own 404, or
    // the loop below could not tell a missing route from a refused body (a body the parser refuses
    // is a 400 before any route is matched).
    for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
      const res = await api.call('/v1/nothing-here', { method, ...(method === 'GET' ? {} : { body: '{}' }) });
      expect(await noRoute(res), `${method} /v1/nothing-here`).toBe(true);
    }
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const url = path.replace('{customerId}', 'olga').replace('{id}', key.id).replace('{journey}', 'welcome').replace(/\{[^}]+\}/g, 'none');
        // A body of the documented media type that the parser accepts, so the request reaches routing.
        const type = Object.keys(operation.requestBody?.content ?? {})[0];
        const body = type === undefined ? undefined : type === 'application/json' ? '{}' : '';
        const res = await api.call(url, { method: method.toUpperCase(), ...(body === undefined ? {} : { body, headers: { 'content-type': type! } }) });
        expect(await noRoute(res), `${method.toUpperCase()} ${url} has no route`).toBe(false);
        expect(res.status, `${method.toUpperCase()} ${url}`).not.toBe(500);
      }
    }
  });

});
