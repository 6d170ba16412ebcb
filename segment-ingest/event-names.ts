/**
 * Which Cascade event type a Segment `track` becomes. Names in the map (CASCADE_SEGMENT_EVENT_MAP,
 * laid over the defaults) become the type they name, so a Segment "Order Completed" starts what an
 * order.placed starts. Any other name becomes `segment.<snake_case>`: stored and seen on the
 * timeline, but no journey's trigger, so an unmapped name never starts a journey by coincidence, and
 * Cascade's dotted names (an `order.placed` needs its dot) are never guessed from free text.
 */
import { z } from 'zod';
import { eventBody } from '../schemas/events';

export type SegmentEventMap = Readonly<Record<string, string>>;

export const DEFAULT_SEGMENT_EVENT_MAP: SegmentEventMap = {
  'Order Completed': 'order.placed',
  'Signed Up': 'customer.signed_up',
};

/** The prefix of the types unmapped names get. */
export const UNMAPPED_PREFIX = 'segment.';

/** "Product Viewed", "productViewed", "product-viewed" → product_viewed. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

export function eventTypeFor(name: string, map: SegmentEventMap): string {
  return Object.hasOwn(map, name) ? map[name]! : `${UNMAPPED_PREFIX}${snakeCase(name)}`;
}

/** The setting: a JSON object of Segment event name → Cascade event type (the rule POST /v1/events holds types to). */
const segmentEventMapSetting = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx): SegmentEventMap => {
    if (!v) return DEFAULT_SEGMENT_EVENT_MAP;
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: `not JSON; expected an object like {"Order Completed":"order.placed"}` });
      return z.NEVER;
    }
    const map = z.record(z.string().min(1), eventBody.shape.type).safeParse(parsed);
    if (!map.success) {
      const issue = map.error.issues[0]!;
      const name = issue.path[0];
      ctx.addIssue({
        code: 'custom',
        message: name === undefined ? 'expected a JSON object of Segment event name to Cascade event type' : `"${String(name)}": ${issue.message}`,
      });
      return z.NEVER;
    }
    return { ...DEFAULT_SEGMENT_EVENT_MAP, ...map.data };
  });

/** CASCADE_SEGMENT_EVENT_MAP read at the API's start (processes/api.ts): a bad map stops it, naming the entry. */
export function segmentEventMapFrom(raw: string | undefined): SegmentEventMap {
  const parsed = segmentEventMapSetting.safeParse(raw);
  if (!parsed.success) throw new Error(`CASCADE_SEGMENT_EVENT_MAP: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}
