/**
 * Segment's Tracking API (identify, track, batch) as @segment/analytics-node and RudderStack's Node
 * SDK send it. Messages are loose objects: the clients add fields of their own (`_metadata`,
 * `channel`, `integrations`, `sentAt`) that Cascade does not read. Only userId, messageId, the
 * times, traits, event and properties are read (segment-ingest/).
 */
import { z } from 'zod';
import { customerIdSchema, instant, text } from './common';

/** Segment's own cap on a batch request (its clients flush before 480 KiB). */
export const SEGMENT_BODY_LIMIT = '512kb';

const looseRecord = z.record(z.string(), z.unknown());
const messageId = text().trim().min(1).max(200);

const common = {
  userId: customerIdSchema.nullish().meta({ description: 'The Cascade customer id. Without it (anonymousId only) the call is acknowledged and dropped' }),
  anonymousId: z.unknown().optional().meta({ description: 'Not used: Cascade knows customers by their id' }),
  messageId: messageId.optional(),
  timestamp: instant().optional(),
  originalTimestamp: instant().optional(),
  context: z.looseObject({}).optional().meta({ description: 'identify reads `locale`, `timezone` and (RudderStack) `traits`' }),
};

export const segmentIdentify = z.looseObject({
  type: z.literal('identify'),
  ...common,
  traits: looseRecord.optional(),
});

export const segmentTrack = z.looseObject({
  type: z.literal('track'),
  ...common,
  messageId: messageId.meta({ description: 'The event id: a repeated messageId is stored once' }),
  event: text().trim().min(1).max(200).meta({ description: 'Mapped to a Cascade event type (CASCADE_SEGMENT_EVENT_MAP; default segment.<snake_case>)' }),
  properties: looseRecord.optional(),
});

/** Calls Cascade acknowledges and drops: it has no pages, screens, groups or aliases. */
export const segmentIgnored = z.looseObject({ type: z.enum(['page', 'screen', 'group', 'alias']) });

export const segmentMessage = z.discriminatedUnion('type', [segmentIdentify, segmentTrack, segmentIgnored]);
export type SegmentMessage = z.infer<typeof segmentMessage>;

/** POST /v1/segment/identify and /track: the message alone, its type implied by the path. */
export const segmentIdentifyBody = segmentIdentify.extend({ type: z.literal('identify').default('identify') });
export const segmentTrackBody = segmentTrack.extend({ type: z.literal('track').default('track') });

const batchOf = <T extends z.ZodType>(item: T) =>
  z.looseObject({
    batch: z.array(item).min(1),
    writeKey: z.string().optional().meta({ description: 'Ignored: the key is the Basic user name' }),
    sentAt: z.unknown().optional(),
  });
/** What a batch holds, as documented. */
export const segmentBatchBody = batchOf(segmentMessage);
/** What the route checks as a whole; items are checked one by one, so an error names its index. */
export const segmentBatchEnvelope = batchOf(z.unknown());

export const segmentAnswer = z.object({ success: z.literal(true) });
