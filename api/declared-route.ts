/**
 * A route declared once: its method, path, scope and schemas. `mount` registers it on a router from
 * that declaration (the scope checked before the handlers), and the OpenAPI document (api/openapi.ts)
 * is collected from the same declarations, so what is served and what is documented cannot drift.
 */
import type { RequestHandler, Router } from 'express';
import type { z } from 'zod';
import type { ApiKeyScope } from '../access/scopes';
import { auditAs, type AuditDeclaration } from '../audit/declare';
import { requireScope } from './auth';

type Method = 'get' | 'put' | 'post' | 'patch' | 'delete';

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
  /** An admin action: each request is one audit_log row (audit/record.ts), refused ones included. */
  audit?: AuditDeclaration;
}

/** An answer that is a page. */
export const htmlPage = { type: 'text/html' };

/** Express's form of a declared path: /v1/customers/:customerId. */
export const expressPath = (route: Pick<ApiRoute, 'path'>): string => route.path.replace(/\{(\w+)\}/g, ':$1');

export function mount(router: Router, route: ApiRoute, ...handlers: RequestHandler[]): void {
  // The audit declaration goes first, so a key without the scope is recorded as refused.
  router[route.method](expressPath(route), ...(route.audit ? [auditAs(route.audit)] : []), ...(route.key ? [requireScope(route.key)] : []), ...handlers);
}
