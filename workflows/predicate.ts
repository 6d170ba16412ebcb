/**
 * A segment's predicate: a tree over customers, stored as JSON in `segments.where`, checked at the
 * HTTP edge (schemas/segments.ts) and compiled to one SQL condition (segments/compile.ts).
 * Plain types and limits only: no zod, no SQL, so workflows and the campaign code can name it.
 */
import type { Channel } from './contract';

/** Bounds on a tree, so a stored segment stays cheap to compile and to plan. */
export const PREDICATE_LIMITS = {
  /** Nodes in the whole tree (each leaf, each all/any/not). */
  maxNodes: 200,
  /** Levels of all/any/not nesting. */
  maxDepth: 32,
  /** Any string in a predicate: attribute names, values, event types. */
  maxText: 200,
  /** Values of one `in`. */
  maxIn: 1000,
  /** Keys of one event `where`. */
  maxWhereKeys: 20,
} as const;

/** Profile columns a predicate may name, with what their values are. */
export const PROFILE_FIELDS = {
  city: 'text',
  name: 'text',
  email: 'text',
  phone: 'text',
  locale: 'text',
  timeZone: 'text',
  /** YYYY-MM-DD. */
  birthday: 'date',
  /** An instant (ISO 8601 with offset) or a date. */
  createdAt: 'instant',
} as const;
export type ProfileField = keyof typeof PROFILE_FIELDS;

/** Own keys only: `constructor`, `__proto__` or `toString` reach PROFILE_FIELDS through its prototype, and are no field. */
export const isProfileField = (name: string): name is ProfileField => Object.hasOwn(PROFILE_FIELDS, name);

/** Custom attributes are named `attributes.<key>` or `attributes.<key>.<nested key>`. */
export const ATTRIBUTES_PREFIX = 'attributes.';

export type Scalar = string | number | boolean;
export interface Range {
  gte?: number;
  lte?: number;
}

/**
 * `eq` / `in` match the stored JSON type (the string "5" is not the number 5); `exists` is a
 * present, non-null value; `gte` / `lte` take numbers, or ISO dates (compared as dates for
 * profile dates, as ISO text for custom attributes).
 */
export interface AttributePredicate {
  attribute: string;
  eq?: Scalar;
  in?: Scalar[];
  exists?: boolean;
  gte?: number | string;
  lte?: number | string;
}

/** Granted (the topic's own row, else the channel's `*`, as for a send) and reachable: an address, not suppressed. */
export interface ConsentPredicate {
  consent: Channel;
  /** Without it, the channel's `*` row alone decides. */
  topic?: string;
}

/**
 * Aggregates over the customer's orders (of `source`, placed within `within`): `count` and `sum`
 * ranges, `olderThan` for the last of them. Without `count`, at least one order.
 */
export interface OrdersPredicate {
  orders: { count?: Range; sum?: Range; source?: 'online' | 'offline'; within?: string; olderThan?: string };
}

/** Events of `type` whose properties contain every `where` pair, occurred within `within`; without `count`, at least one. */
export interface EventPredicate {
  event: { type: string; where?: Record<string, Scalar>; count?: Range; within?: string };
}

/** `opened: true`: an open or click on a message of the channel within the window; `false`: none. */
export interface EngagementPredicate {
  engagement: { channel: Channel; opened: boolean; within?: string };
}

/**
 * The next birthday anniversary, in the customer's time zone, falls from today through today plus
 * `within` (whole days; "0 days" is today). 29 February is 28 February in common years.
 */
export interface BirthdayPredicate {
  birthday: { within: string };
}

export type Predicate =
  | { all: Predicate[] }
  | { any: Predicate[] }
  | { not: Predicate }
  | AttributePredicate
  | ConsentPredicate
  | OrdersPredicate
  | EventPredicate
  | EngagementPredicate
  | BirthdayPredicate;

/** How big a tree is: nodes, and the deepest nesting of all/any/not. */
export function predicateSize(p: Predicate): { nodes: number; depth: number } {
  if ('all' in p || 'any' in p) {
    const children = 'all' in p ? p.all : p.any;
    let nodes = 1;
    let depth = 0;
    for (const child of children) {
      const size = predicateSize(child);
      nodes += size.nodes;
      depth = Math.max(depth, size.depth);
    }
    return { nodes, depth: depth + 1 };
  }
  if ('not' in p) {
    const size = predicateSize(p.not);
    return { nodes: size.nodes + 1, depth: size.depth + 1 };
  }
  return { nodes: 1, depth: 0 };
}

/** Why a tree is over the limits, or undefined. */
export function limitProblem(p: Predicate): string | undefined {
  const { nodes, depth } = predicateSize(p);
  if (nodes > PREDICATE_LIMITS.maxNodes) return `at most ${PREDICATE_LIMITS.maxNodes} nodes (this one has ${nodes})`;
  if (depth > PREDICATE_LIMITS.maxDepth) return `at most ${PREDICATE_LIMITS.maxDepth} levels of all/any/not (this one has ${depth})`;
  return undefined;
}
