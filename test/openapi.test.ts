/**
 * GET /openapi.json: served without a key, a valid OpenAPI 3.1 document by a standard validator,
 * documenting exactly the routes the app registers, and every documented path is one the running app answers.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import { describe, expect, it } from 'vitest';
import { createApp } from '../api/app';
import type { Database } from '../db/client';
import { seedCustomer, startTestApi, useCascadeApi } from './support/cascade';

const cascade = useCascadeApi('dev-server');

/** The app's answer for a path no route serves (api/app.ts), as opposed to a route's own 404 for a missing thing. */
async function noRoute(res: Response): Promise<boolean> {
  if (res.status !== 404) return false;
  const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
  return /^No route for /.test(body.error?.message ?? '');
}

type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };

/** Every method and path the Express app registers, in the document's {param} form. */
function servedRoutes(app: Express): string[] {
  const walk = (stack: Layer[]): string[] =>
    stack.flatMap((layer) =>
      layer.route ? Object.keys(layer.route.methods).map((m) => `${m} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`) : walk(layer.handle?.stack ?? []),
    );
  return walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
}

type Doc = { openapi: string; paths: Record<string, Record<string, { security: unknown[]; requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } }>> };

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document, served without a key', async () => {
    const res = await fetch(`${cascade.api.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Doc;
    expect(doc.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
    // The document and the app come from the same declarations (api/declared-route.ts): every method
    // and path the app serves is documented, and nothing else is (the dashboard's static assets aside).
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`));
    const served = servedRoutes(createApp({ db: cascade.database.db, client: cascade.env.client, taskQueue: 'openapi', apiKeys: [] })).filter((r) => !r.includes('/dashboard/assets/'));
    expect(new Set(served).size).toBe(served.length);
    expect(served.sort()).toEqual(documented.sort());
    expect(documented).toContain('post /v1/events');
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
    await seedCustomer(cascade.database.db, { id: 'olga' });
    const doc = (await (await fetch(`${cascade.api.url}/openapi.json`)).json()) as Doc;
    const key = (await (await cascade.api.call('/v1/api-keys', { method: 'POST', body: JSON.stringify({ name: 'openapi', scopes: ['read'] }) })).json()) as { id: string };
    // {id} is also a segment's: one must exist for its routes to answer (the paths list its DELETE last).
    await cascade.api.call('/v1/segments', { method: 'POST', body: JSON.stringify({ id: key.id, name: 'openapi', where: { all: [] } }) });
    // …and a campaign's (of that segment, in test mode: olga alone).
    await cascade.api.call('/v1/campaigns', { method: 'POST', body: JSON.stringify({ id: key.id, journey: 'quarterly-bonus', segment: key.id, testRecipients: ['olga'] }) });

    // Controls: the same probe on a path no route serves must come back as the app's own 404, or
    // the loop below could not tell a missing route from a refused body (a body the parser refuses
    // is a 400 before any route is matched).
    for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
      const res = await cascade.api.call('/v1/nothing-here', { method, ...(method === 'GET' ? {} : { body: '{}' }) });
      expect(await noRoute(res), `${method} /v1/nothing-here`).toBe(true);
    }
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const url = path.replace('{customerId}', 'olga').replace('{id}', key.id).replace('{journey}', 'welcome').replace(/\{[^}]+\}/g, 'none');
        // A body of the documented media type that the parser accepts, so the request reaches routing.
        const type = Object.keys(operation.requestBody?.content ?? {})[0];
        const body = type === undefined ? undefined : type === 'application/json' ? '{}' : '';
        const res = await cascade.api.call(url, { method: method.toUpperCase(), ...(body === undefined ? {} : { body, headers: { 'content-type': type! } }) });
        expect(await noRoute(res), `${method.toUpperCase()} ${url} has no route`).toBe(false);
        expect(res.status, `${method.toUpperCase()} ${url}`).not.toBe(500);
      }
    }
  });

});
