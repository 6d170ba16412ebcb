/**
 * Bad input, generated: per-endpoint field lists × mutation kinds (wrong types, missing and unknown
 * fields, NUL bytes, lone surrogates, huge and deeply nested values, numbers out of range, malformed
 * JSON, oversized bodies, injection strings where a format is required, forged message.* types),
 * each sent over HTTP to the real API on the Temporal dev server and Postgres. Every one must be
 * answered 4xx with an error code (and the field to blame, where there is one), never 5xx, and leave
 * every table as it was.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { seedCustomer, startTestApi, TEST_API_KEY, useCascade } from './support/cascade';
import { rowCounts } from './support/row-counts';

let env: TestWorkflowEnvironment;
let database: Database;
let api: Awaited<ReturnType<typeof startTestApi>>;
useCascade('dev-server', (c) => ({ env, database } = c));
beforeAll(async () => {
  // Its own API (not useTestApi) so the Resend webhook is configured and its refusals are 4xx, not 503.
  api = await startTestApi(database.db, env.client, { resendWebhookSecret: `whsec_${Buffer.from('bad-input-suite-secret-0123456789').toString('base64')}` });
  await seedCustomer(database.db, { id: 'anna' });
});
afterAll(async () => {
  await api?.stop();
});

/** A value written into the JSON text as is: numbers JSON.stringify cannot make (1e309), raw nesting. */
class Raw {
  constructor(readonly text: string) {}
}
function toJson(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_k, v: unknown) => (v instanceof Raw ? `\u0001raw${raws.push(v.text) - 1}\u0001` : v));
  return text.replace(/"\\u0001raw(\d+)\\u0001"/g, (_, i: string) => raws[Number(i)]!);
}

type Kind = 'string' | 'boolean' | 'object' | 'array' | 'number';
interface Field {
  name: string;
  kind: Kind;
  nullable?: boolean;
  required?: boolean;
  /** The value has a format: injection strings and near misses must be refused. */
  formatted?: boolean;
}

interface Endpoint {
  name: string;
  method: 'PUT' | 'POST';
  path: string;
  /** A body the endpoint would take (never sent as is: every case breaks it). */
  base: Record<string, unknown>;
  fields: Field[];
  /** The body limit the route enforces. */
  limitBytes: number;
}

const customers: Endpoint = {
  name: 'PUT /v1/customers/:id',
  method: 'PUT',
  path: '/v1/customers/anna',
  base: { email: 'anna@example.com', timeZone: 'Europe/Moscow', consents: { email: true } },
  fields: [
    { name: 'email', kind: 'string', nullable: true, formatted: true },
    { name: 'phone', kind: 'string', nullable: true, formatted: true },
    { name: 'name', kind: 'string', nullable: true },
    { name: 'city', kind: 'string', nullable: true },
    { name: 'locale', kind: 'string', nullable: true, formatted: true },
    { name: 'timeZone', kind: 'string', formatted: true },
    { name: 'birthday', kind: 'string', nullable: true, formatted: true },
    { name: 'attributes', kind: 'object' },
    { name: 'consents', kind: 'object' },
    { name: 'pushTokens', kind: 'array' },
  ],
  limitBytes: 256 * 1024,
};

const consents: Endpoint = {
  name: 'PUT /v1/customers/:id/consents',
  method: 'PUT',
  path: '/v1/customers/anna/consents',
  base: { email: true, source: 'checkout-form' },
  fields: [
    { name: 'email', kind: 'boolean' },
    { name: 'sms', kind: 'boolean' },
    { name: 'push', kind: 'boolean' },
    { name: 'webhook', kind: 'boolean' },
    { name: 'source', kind: 'string' },
    { name: 'consentedAt', kind: 'string', formatted: true },
  ],
  limitBytes: 256 * 1024,
};

const events: Endpoint = {
  name: 'POST /v1/events',
  method: 'POST',
  path: '/v1/events',
  base: { id: 'evt-bad-1', customerId: 'anna', type: 'order.placed', properties: { orderId: 'o-1', total: 10 } },
  fields: [
    { name: 'id', kind: 'string', required: true },
    { name: 'customerId', kind: 'string', required: true, formatted: true },
    { name: 'type', kind: 'string', required: true, formatted: true },
    { name: 'properties', kind: 'object' },
    { name: 'occurredAt', kind: 'string', formatted: true },
  ],
  limitBytes: 256 * 1024,
};

const segments: Endpoint = {
  name: 'POST /v1/segments',
  method: 'POST',
  path: '/v1/segments',
  base: { id: 'seg-bad', name: 'Bad', where: { attribute: 'city', eq: 'Moscow' } },
  fields: [
    { name: 'id', kind: 'string', required: true, formatted: true },
    { name: 'name', kind: 'string', required: true },
    { name: 'where', kind: 'object', required: true },
  ],
  limitBytes: 256 * 1024,
};

const INJECTIONS = [
  "'; DROP TABLE customers; --",
  "anna' OR '1'='1",
  '{{ "now" | date: "%Y" }}{% assign x = 1 %}',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '${process.env.SECRET}',
];
const MB_STRING = 'x'.repeat(1024 * 1024);
const deepObject = (depth: number) => new Raw('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
const deepArray = (depth: number) => new Raw('['.repeat(depth) + ']'.repeat(depth));

const WRONG: Record<Kind, unknown[]> = {
  string: [12345, true, [], {}, new Raw('1e309'), deepArray(1000)],
  boolean: ['true', 1, 0, [], {}, 'yes'],
  object: ['a string', 42, true, ['x'], deepArray(1000)],
  array: ['a string', 42, { a: 1 }, true],
  number: ['a string', true, [], {}],
};
const NEAR_MISSES: Record<string, unknown[]> = {
  email: ['not-an-email', 'anna@', '@example.com', 'anna@example..com'],
  phone: ['12', 'call me', '+7 (000) 000-00-00'],
  timeZone: ['Mars/Olympus', 'UTC+25', ''],
  locale: ['ru_RU', 'русский', 'x', '', 'en-'],
  // Implausible dates of birth too: to come (2999-01-01, next week) or more than 120 years back.
  birthday: ['2024-02-30', '0000-01-01', '1990-13-01', '01.02.1990', '1899-12-31', '2999-01-01', new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10), '1901-01-01'],
  consentedAt: ['yesterday', '2024-01-01', '0000-01-01T00:00:00Z', '2024-01-01T00:00:00', '9999-12-31T23:59:59Z'],
  occurredAt: ['now', '2024-13-45T00:00:00Z', '0000-01-01T00:00:00Z', '2024-01-01 10:00'],
  customerId: ['', 'anna bob', 'anna/../bob', 'x'.repeat(201)],
  type: ['', 'Order.Placed', 'order', 'order placed', '.placed', 'a.b'.padEnd(120, 'c')],
};
const FORGED = ['message.opened', 'message.delivered', 'message.clicked', 'message.bounced', 'message.complained', 'message.sent', ' message.opened '];

interface Case {
  name: string;
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  status?: number;
  code?: string;
  /** The field to blame, or a prefix of it (a deep path under properties). */
  field?: string;
  /** Sent as the only item of a batch: the item, not the request, must be refused. */
  batchItem?: boolean;
  /** An HTML page answers (the unsubscribe link), not the JSON error shape. */
  html?: boolean;
}

function bodyCases(ep: Endpoint): Array<{ name: string; body: Record<string, unknown>; field?: string; status?: number; code?: string }> {
  const out: Array<{ name: string; body: Record<string, unknown>; field?: string; status?: number; code?: string }> = [];
  const withField = (f: string, v: unknown) => ({ ...ep.base, [f]: v });
  for (const f of ep.fields) {
    for (const v of WRONG[f.kind]) out.push({ name: `${f.name}: wrong type ${v instanceof Raw ? v.text.slice(0, 12) : JSON.stringify(v)}`, body: withField(f.name, v), field: f.name });
    if (!f.nullable) out.push({ name: `${f.name}: null`, body: withField(f.name, null), field: f.name });
    if (f.required) {
      const { [f.name]: _gone, ...rest } = ep.base;
      out.push({ name: `${f.name}: missing`, body: rest, field: f.name });
    }
    if (f.kind === 'string') {
      out.push({ name: `${f.name}: NUL byte`, body: withField(f.name, 'ann\u0000a'), field: f.name });
      out.push({ name: `${f.name}: lone surrogate`, body: withField(f.name, 'ann\ud800a'), field: f.name });
      out.push({ name: `${f.name}: lone low surrogate`, body: withField(f.name, '\udc00'), field: f.name });
      out.push({ name: `${f.name}: 1 MB string`, body: withField(f.name, MB_STRING), status: 413, code: 'body_too_large' });
      out.push({ name: `${f.name}: 1000-deep object`, body: withField(f.name, deepObject(1000)), field: f.name });
    }
    if (f.formatted) {
      for (const v of [...INJECTIONS, ...(NEAR_MISSES[f.name] ?? [])]) out.push({ name: `${f.name}: ${JSON.stringify(v).slice(0, 40)}`, body: withField(f.name, v), field: f.name });
    }
  }
  for (const key of ['extra', 'Email', '__proto__', 'constructor', "id'; --"]) {
    out.push({ name: `unknown field ${key}`, body: { ...ep.base, ...JSON.parse(`{${JSON.stringify(key)}: 1}`) }, field: key });
  }
  return out;
}

/** Free-form JSON fields (event properties, customer attributes): what must not get into them. */
function jsonFieldCases(ep: Endpoint, field: string, keep: Record<string, unknown>): Array<{ name: string; body: Record<string, unknown>; field: string; status?: number }> {
  const at = (v: Record<string, unknown>) => ({ ...ep.base, [field]: { ...keep, ...v } });
  return [
    { name: `${field}: NUL in a value`, body: at({ note: 'a\u0000b' }), field: `${field}.note` },
    { name: `${field}: NUL in a key`, body: at({ 'a\u0000b': 1 }), field },
    { name: `${field}: lone surrogate in a value`, body: at({ note: '\ud83d' }), field: `${field}.note` },
    { name: `${field}: lone surrogate in a nested value`, body: at({ deep: { list: ['ok', '\udfff'] } }), field: `${field}.deep.list.1` },
    { name: `${field}: 1000-deep object`, body: at({ nest: deepObject(1000) }), field: `${field}.nest` },
    { name: `${field}: 1000-deep array`, body: at({ nest: deepArray(1000) }), field: `${field}.nest` },
    { name: `${field}: 1e309`, body: at({ big: new Raw('1e309') }), field: `${field}.big` },
    { name: `${field}: -1e309`, body: at({ big: new Raw('-1e309') }), field: `${field}.big` },
    { name: `${field}: 200 KB of JSON`, body: at({ blob: 'y'.repeat(200 * 1024) }), field },
  ];
}

const MALFORMED = ['{', '{"id":}', "{'id':'x'}", '{"id":"x",}', 'nul', '{"id":"\\x"}', '{"id":"x"', '\u00ff\u00fe{}', '{"a":1}{"b":2}', '"just a string"', '42', 'null'];

function jsonCases(ep: Endpoint): Case[] {
  const cases: Case[] = [];
  const add = (c: Omit<Case, 'method' | 'path'>) => cases.push({ method: ep.method, path: ep.path, ...c });
  for (const c of bodyCases(ep)) add({ name: c.name, body: toJson(c.body), field: c.field, status: c.status, code: c.code ?? (c.status ? undefined : 'invalid_request') });
  for (const text of MALFORMED) add({ name: `malformed JSON ${JSON.stringify(text)}`, body: text });
  add({ name: 'array body', body: '[]' });
  add({ name: 'body over the limit', body: toJson({ ...ep.base, pad: 'z'.repeat(ep.limitBytes + 10) }), status: 413, code: 'body_too_large' });
  add({ name: '100,000-deep array', body: '['.repeat(100_000) + ']'.repeat(100_000) });
  return cases;
}

function allCases(): Case[] {
  const cases: Case[] = [...jsonCases(customers), ...jsonCases(consents), ...jsonCases(events), ...jsonCases(segments)];
  // A segment's predicate: the bad node is named by its path.
  for (const [name, where, field] of [
    ['a negative count', { all: [{ orders: { count: { gte: -1 } } }] }, 'where.all.0.orders.count.gte'],
    ['an unknown operator', { not: { attribute: 'city', like: '%' } }, 'where.not.like'],
    ['an injection as attribute', { attribute: "city'; DROP TABLE customers; --", eq: 'x' }, 'where.attribute'],
    ['an injection as duration', { event: { type: 'x', within: "1 day'; DROP TABLE events; --" } }, 'where.event.within'],
  ] as const) {
    cases.push({ method: 'POST', path: segments.path, name: `segment where: ${name}`, body: toJson({ ...segments.base, where }), field, code: 'invalid_request' });
  }
  for (const c of jsonFieldCases(customers, 'attributes', {})) cases.push({ method: 'PUT', path: customers.path, name: c.name, body: toJson(c.body), field: c.field, code: 'invalid_request' });
  for (const c of jsonFieldCases(events, 'properties', { orderId: 'o-1' })) cases.push({ method: 'POST', path: events.path, name: c.name, body: toJson(c.body), field: c.field, code: 'invalid_request' });
  // Consents the customer object holds, and nested unknown fields.
  cases.push({ method: 'PUT', path: customers.path, name: 'consents: unknown channel', body: toJson({ consents: { fax: true } }), field: 'consents.fax', code: 'invalid_request' });
  cases.push({ method: 'PUT', path: customers.path, name: 'consents.email: "true"', body: toJson({ consents: { email: 'true' } }), field: 'consents.email', code: 'invalid_request' });
  cases.push({ method: 'PUT', path: customers.path, name: 'pushTokens: NUL in a token', body: toJson({ pushTokens: ['token-\u0000-abc'] }), field: 'pushTokens.0', code: 'invalid_request' });
  cases.push({ method: 'PUT', path: customers.path, name: 'pushTokens: 21 tokens', body: toJson({ pushTokens: Array.from({ length: 21 }, (_, i) => `token-${i}-abcdefgh`) }), field: 'pushTokens', code: 'invalid_request' });
  cases.push({ method: 'PUT', path: consents.path, name: 'no channel at all', body: toJson({ source: 'form' }), code: 'invalid_request' });
  cases.push({ method: 'PUT', path: consents.path, name: 'granting without a source', body: toJson({ email: true }), field: 'source', code: 'invalid_request' });
  // Numbers out of range where the event reads numbers.
  for (const total of [new Raw('1e309'), -1, 'NaN', '-0.01', 1e10, 1e300, 'Infinity']) {
    cases.push({ method: 'POST', path: events.path, name: `order total ${total instanceof Raw ? total.text : JSON.stringify(total)}`, body: toJson({ ...events.base, properties: { orderId: 'o-1', total } }), field: 'properties.total', code: 'invalid_request' });
  }
  for (const [name, props, field] of [
    ['order without orderId', { total: 5 }, 'properties.orderId'],
    ['order currency of 4 letters', { orderId: 'o-1', currency: 'RUBL' }, 'properties.currency'],
    ['order source "mail"', { orderId: 'o-1', source: 'mail' }, 'properties.source'],
    ['cart without cartId', {}, 'properties.cartId'],
  ] as const) {
    const type = name.startsWith('cart') ? 'cart.updated' : 'order.placed';
    cases.push({ method: 'POST', path: events.path, name, body: toJson({ ...events.base, type, properties: props }), field, code: 'invalid_request' });
  }
  for (const type of FORGED) cases.push({ method: 'POST', path: events.path, name: `forged ${JSON.stringify(type)}`, body: toJson({ ...events.base, type, properties: {} }), field: 'type', code: 'invalid_request' });
  // Path parameters.
  for (const id of ['%00', 'anna%00', '%ZZ', encodeURIComponent("anna'; DROP TABLE customers;--"), encodeURIComponent('<script>'), 'x'.repeat(201), '%F0%9F%98%80']) {
    cases.push({ method: 'PUT', path: `/v1/customers/${id}`, name: `customer id ${id.slice(0, 30)}`, body: toJson({ name: 'X' }) });
    cases.push({ method: 'PUT', path: `/v1/customers/${id}/consents`, name: `consents for customer id ${id.slice(0, 30)}`, body: toJson(consents.base) });
  }
  // Headers: another media type, a charset body-parser cannot read, no key, a wrong key.
  cases.push({ method: 'POST', path: events.path, name: 'text/plain body', body: toJson(events.base), headers: { 'content-type': 'text/plain' } });
  cases.push({ method: 'POST', path: events.path, name: 'unsupported charset', body: toJson(events.base), headers: { 'content-type': 'application/json; charset=klingon' } });
  cases.push({ method: 'POST', path: events.path, name: 'no API key', body: toJson(events.base), headers: { authorization: '' }, status: 401 });
  cases.push({ method: 'PUT', path: customers.path, name: 'unknown API key', body: toJson(customers.base), headers: { authorization: 'Bearer nope' }, status: 401 });

  // The batch: its envelope, then each single-event case as the only item of a batch.
  const batch = '/v1/events/batch';
  for (const [name, body, field] of [
    ['no events', {}, 'events'],
    ['events: []', { events: [] }, 'events'],
    ['events: an object', { events: { 0: events.base } }, 'events'],
    ['events: a string', { events: 'all of them' }, 'events'],
    ['1,001 events', { events: Array.from({ length: 1001 }, (_, i) => ({ ...events.base, id: `b-${i}` })) }, 'events'],
    ['unknown field', { events: [events.base], async: true }, 'async'],
  ] as const) {
    cases.push({ method: 'POST', path: batch, name: `batch ${name}`, body: toJson(body), field, code: 'invalid_request' });
  }
  for (const text of MALFORMED.slice(0, 6)) cases.push({ method: 'POST', path: batch, name: `batch malformed ${JSON.stringify(text)}`, body: text });
  cases.push({ method: 'POST', path: batch, name: 'batch over 2 MB', body: toJson({ events: [{ ...events.base, properties: { pad: 'p'.repeat(2 * 1024 * 1024 + 10) } }] }), status: 413, code: 'body_too_large' });
  for (const c of [...bodyCases(events), ...jsonFieldCases(events, 'properties', { orderId: 'o-1' })]) {
    if (c.status === 413) continue; // under the batch's larger limit these are ordinary bad items, below
    cases.push({ method: 'POST', path: batch, name: `batch item ${c.name}`, body: toJson({ events: [c.body] }), field: c.field, batchItem: true, code: 'invalid_request' });
  }
  for (const f of ['id', 'customerId', 'type']) {
    cases.push({ method: 'POST', path: batch, name: `batch item ${f}: 1 MB string`, body: toJson({ events: [{ ...events.base, [f]: MB_STRING }] }), field: f, batchItem: true, code: 'invalid_request' });
  }
  for (const type of FORGED) cases.push({ method: 'POST', path: batch, name: `batch item forged ${type}`, body: toJson({ events: [{ ...events.base, type }] }), field: 'type', batchItem: true, code: 'invalid_request' });

  // The public writers: signed webhooks and the unsubscribe link.
  for (const [name, body, headers] of [
    ['unsigned', toJson({ type: 'email.bounced', data: { email_id: 'x' } }), {}],
    ['bad signature', toJson({ type: 'email.bounced', data: { email_id: 'x' } }), { 'svix-id': 'msg_1', 'svix-timestamp': String(Math.floor(Date.now() / 1000)), 'svix-signature': 'v1,AAAA' }],
    ['stale signature', '{}', { 'svix-id': 'msg_1', 'svix-timestamp': '1', 'svix-signature': 'v1,AAAA' }],
    ['malformed JSON', '{', {}],
    ['NUL bytes', toJson({ type: 'email.bounced\u0000', data: {} }), {}],
  ] as const) {
    cases.push({ method: 'POST', path: '/webhooks/resend', name: `resend webhook ${name}`, body, headers: { authorization: '', ...headers }, status: 401 });
  }
  for (const [name, form] of [
    ['unsigned', 'id=1&phone=79123456789&status=1'],
    ['bad md5', 'id=1&phone=79123456789&status=1&md5=00'],
    ['NUL bytes', 'id=1%00&phone=7%00&status=1'],
    ['garbage', '%%%&&&==='],
  ] as const) {
    cases.push({ method: 'POST', path: '/webhooks/smsc', name: `smsc callback ${name}`, body: form, headers: { authorization: '', 'content-type': 'application/x-www-form-urlencoded' }, status: 401 });
  }
  for (const token of ['', 'garbage', 'a.b', "'; DROP TABLE consents; --", '%00']) {
    cases.push({ method: 'POST', path: `/unsubscribe?token=${encodeURIComponent(token)}`, name: `unsubscribe token ${JSON.stringify(token)}`, body: 'List-Unsubscribe=One-Click', headers: { authorization: '', 'content-type': 'application/x-www-form-urlencoded' }, status: 400, html: true });
  }
  return cases;
}

const cases = allCases();

describe('bad requests to every write endpoint', () => {
  it('generates at least 300 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(300);
  });

  it.each(cases.map((c) => [`${c.method} ${c.path.slice(0, 60)}: ${c.name}`, c] as const))('%s', async (_title, c) => {
    const before = await rowCounts(database.db);
    const res = await fetch(`${api.url}${c.path}`, {
      method: c.method,
      body: c.body,
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json', ...c.headers },
    });
    const text = await res.text();
    if (c.batchItem) {
      expect(res.status, text.slice(0, 300)).toBe(200);
      const { results } = JSON.parse(text) as { results: Array<{ status: number; error?: { code: string; field?: string } }> };
      expect(results).toHaveLength(1);
      expect(results[0]!.status, text.slice(0, 300)).toBeGreaterThanOrEqual(400);
      expect(results[0]!.status).toBeLessThan(500);
      expectError(results[0]!.error, c);
    } else {
      expect(res.status, text.slice(0, 300)).toBeGreaterThanOrEqual(400);
      expect(res.status, text.slice(0, 300)).toBeLessThan(500);
      if (c.status) expect(res.status, text.slice(0, 300)).toBe(c.status);
      if (!c.html) expectError((JSON.parse(text) as { error: { code: string; field?: string } }).error, c);
    }
    expect(await rowCounts(database.db)).toEqual(before);
  });
});

function expectError(error: { code: string; message?: string; field?: string } | undefined, c: Case): void {
  expect(error?.code, JSON.stringify(error)).toBeTypeOf('string');
  expect(error?.message).toBeTypeOf('string');
  if (c.code) expect(error!.code, JSON.stringify(error)).toBe(c.code);
  if (c.field !== undefined) {
    const field = error!.field ?? '';
    expect(field === c.field || field.startsWith(`${c.field}.`), `field ${JSON.stringify(field)} for ${c.field}: ${error!.message}`).toBe(true);
  }
}
