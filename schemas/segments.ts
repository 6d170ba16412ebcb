/**
 * /v1/segments: the body `{ id, name, where }`, where `where` is the predicate tree of
 * workflows/predicate.ts. One object schema with every node key optional and a check that exactly
 * one kind is present, rather than a union, so a bad node is blamed by its own path
 * (`where.all.1.orders.count.gte`) instead of "no union member matched" at the root.
 */
import { z } from 'zod';
import { channels } from '../workflows/contract';
import { ATTRIBUTES_PREFIX, isProfileField, limitProblem, PREDICATE_LIMITS, PROFILE_FIELDS, type Predicate } from '../workflows/predicate';
import { calendarDate, duration, instant, text } from './common';

const { maxText, maxIn, maxNodes, maxWhereKeys } = PREDICATE_LIMITS;

const word = () => text().min(1).max(maxText);
const scalar = z.union([word(), z.number(), z.boolean()]);
const bound = z.union([z.number(), word()]);
const countRange = z
  .object({ gte: z.int().min(0), lte: z.int().min(0) })
  .partial()
  .strict()
  .refine((r) => r.gte !== undefined || r.lte !== undefined, 'gte, lte or both');
const amountRange = z
  .object({ gte: z.number(), lte: z.number() })
  .partial()
  .strict()
  .refine((r) => r.gte !== undefined || r.lte !== undefined, 'gte, lte or both');

const KINDS = ['all', 'any', 'not', 'attribute', 'consent', 'orders', 'event', 'engagement', 'birthday'] as const;
const OPERATORS = ['eq', 'in', 'exists', 'gte', 'lte'] as const;

const predicateNode = z
  .object({
    get all() {
      return z.array(predicateNode).max(maxNodes).optional();
    },
    get any() {
      return z.array(predicateNode).min(1).max(maxNodes).optional();
    },
    get not() {
      return predicateNode.optional();
    },
    attribute: word()
      .optional()
      .meta({ description: `A profile field (${Object.keys(PROFILE_FIELDS).join(', ')}) or ${ATTRIBUTES_PREFIX}<name>` }),
    eq: scalar.optional(),
    in: z.array(scalar).max(maxIn).optional(),
    exists: z.boolean().optional(),
    gte: bound.optional(),
    lte: bound.optional(),
    consent: z.enum(channels).optional().meta({ description: 'Granted, with an address, not suppressed' }),
    topic: word().optional().meta({ description: "With consent: the topic's own consent, else the channel's *" }),
    orders: z
      .object({ count: countRange, sum: amountRange, source: z.enum(['online', 'offline']), within: duration(), olderThan: duration() })
      .partial()
      .strict()
      .optional(),
    event: z
      .object({
        type: word(),
        where: z
          .record(word(), scalar)
          .refine((w) => Object.keys(w).length <= maxWhereKeys, `at most ${maxWhereKeys} properties`)
          .optional(),
        count: countRange.optional(),
        within: duration().optional(),
      })
      .strict()
      .optional(),
    engagement: z.object({ channel: z.enum(channels), opened: z.boolean(), within: duration().optional() }).strict().optional(),
    birthday: z.object({ within: duration() }).strict().optional(),
  })
  .strict()
  .superRefine((node, ctx) => {
    const kinds = KINDS.filter((k) => node[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: kinds.length ? `one kind per node, not ${kinds.join(' and ')}` : `a node needs one of ${KINDS.join(', ')}` });
      return;
    }
    for (const op of OPERATORS) {
      if (node[op] !== undefined && kinds[0] !== 'attribute') ctx.addIssue({ code: 'custom', path: [op], message: `${op} belongs with attribute` });
    }
    if (node.topic !== undefined && kinds[0] !== 'consent') ctx.addIssue({ code: 'custom', path: ['topic'], message: 'topic belongs with consent' });
    if (kinds[0] === 'attribute') attributeProblems(node, ctx);
  });
// Named (not chained with .meta, which would be a new instance the recursion does not refer to) so
// the OpenAPI document shows the recursion as a $ref to one component.
z.globalRegistry.add(predicateNode, {
  id: 'SegmentPredicate',
  description: 'One of all, any, not, attribute (with eq, in, exists, gte, lte), consent (with topic), orders, event, engagement, birthday',
});

type Node = z.output<typeof predicateNode>;
type Ctx = Parameters<Parameters<typeof predicateNode.superRefine>[0]>[1];

const isDate = (v: unknown) => calendarDate().safeParse(v).success;
const isDateOrInstant = (v: unknown) => isDate(v) || instant().safeParse(v).success;

/** What each operator may compare a field with: profile fields by their column type, custom attributes by JSON. */
function attributeProblems(node: Node, ctx: Ctx): void {
  const name = node.attribute!;
  const used = OPERATORS.filter((op) => node[op] !== undefined);
  if (!used.length) return void ctx.addIssue({ code: 'custom', path: ['attribute'], message: 'needs eq, in, exists, gte or lte' });
  const exclusive = used.filter((op) => op === 'eq' || op === 'in' || op === 'exists');
  if (exclusive.length && used.length > 1) {
    return void ctx.addIssue({ code: 'custom', path: [used[1]!], message: `${exclusive[0]} stands alone; only gte and lte combine` });
  }
  const values = (op: 'eq' | 'in' | 'gte' | 'lte') => (op === 'in' ? (node.in ?? []) : [node[op]]);
  const refuse = (op: string, message: string) => ctx.addIssue({ code: 'custom', path: [op], message });

  if (name.startsWith(ATTRIBUTES_PREFIX)) {
    const keys = name.slice(ATTRIBUTES_PREFIX.length).split('.');
    if (keys.some((k) => !k)) return refuse('attribute', `${ATTRIBUTES_PREFIX}<name>, with dots only between names`);
    for (const op of ['gte', 'lte'] as const) {
      const v = node[op];
      if (typeof v === 'string' && !isDateOrInstant(v)) refuse(op, 'a number or an ISO date');
    }
    return;
  }
  if (!isProfileField(name)) return refuse('attribute', `one of ${Object.keys(PROFILE_FIELDS).join(', ')}, or ${ATTRIBUTES_PREFIX}<name>`);
  const kind = PROFILE_FIELDS[name];
  for (const op of ['eq', 'in', 'gte', 'lte'] as const) {
    if (node[op] === undefined) continue;
    if (kind === 'text') {
      if (op === 'gte' || op === 'lte') refuse(op, `${name} is text: eq, in or exists`);
      else if (values(op).some((v) => typeof v !== 'string')) refuse(op, `${name} is text: compare it with strings`);
    } else if (kind === 'date') {
      if (values(op).some((v) => !isDate(v))) refuse(op, `${name} is a date: YYYY-MM-DD`);
    } else if (op === 'eq' || op === 'in') {
      refuse(op, `${name} is an instant: use gte and lte`);
    } else if (!isDateOrInstant(node[op])) {
      refuse(op, `${name} is an instant: an ISO 8601 date or date-time with offset`);
    }
  }
}

/** The tree, within the limits on its size. */
export const predicateSchema = predicateNode
  .superRefine((p, ctx) => {
    const problem = limitProblem(p as Predicate);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform((p) => p as Predicate)
  .meta({ description: 'all / any / not of attribute, consent, orders, event, engagement and birthday nodes (see the README)' });

export const segmentIdSchema = text()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');

export const segmentBody = z.object({ id: segmentIdSchema, name: text().trim().min(1).max(200), where: predicateSchema }).strict();

export const segmentAnswer = z.object({
  id: z.string(),
  name: z.string(),
  where: z.record(z.string(), z.unknown()),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export const segmentList = z.object({ segments: z.array(segmentAnswer) });
export const segmentCount = z.object({ count: z.int() });

export const membersQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100).meta({ description: 'Members per page (1–1000)' }),
    after: text().min(1).max(200).optional().meta({ description: 'The `next` of the previous page' }),
  })
  .strict();

export const membersAnswer = z.object({
  members: z.array(
    z.looseObject({ id: z.string(), email: z.string().nullable(), phone: z.string().nullable(), name: z.string().nullable(), city: z.string().nullable() }),
  ),
  next: z.string().nullable().meta({ description: 'Pass as `after` for the next page; null on the last page' }),
});
