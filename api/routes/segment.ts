/**
 * Segment's Tracking API (segment-ingest/): POST /v1/segment/identify, /track and /batch, so
 * @segment/analytics-node and RudderStack's Node SDK can send to Cascade with `host`/`dataPlaneUrl`
 * and `path: '/v1/segment/batch'`. The key is HTTP Basic's user name (api/auth.ts). Answered as
 * Segment answers, `{ success: true }`; a bad message is the API's 400 naming it (`batch[3].event`).
 */
import express, { Router } from 'express';
import type { LifecycleDeps } from '../../lifecycle/deps';
import { parse } from '../../lib/http-error';
import {
  SEGMENT_BODY_LIMIT,
  segmentAnswer,
  segmentBatchBody,
  segmentBatchEnvelope,
  segmentIdentifyBody,
  segmentMessage,
  segmentTrackBody,
} from '../../schemas/segment';
import { DEFAULT_SEGMENT_EVENT_MAP, type SegmentEventMap } from '../../segment-ingest/event-names';
import { ingestSegmentCalls, planSegmentCalls, type Located } from '../../segment-ingest/ingest';
import { actorOf } from '../auth';
import { mount, type ApiRoute } from '../declared-route';

const ok = { 200: { description: 'Taken (calls without a userId, and page/screen/group/alias, are acknowledged and dropped)', schema: segmentAnswer } };

export const segmentIngestRoutes = {
  identify: {
    method: 'post',
    path: '/v1/segment/identify',
    summary: "Segment's identify: the customer upsert of PUT /v1/customers/{customerId} (userId is the id; traits to profile and attributes)",
    key: 'ingest',
    body: { schema: segmentIdentifyBody },
    ok,
    errors: [400, 401, 413],
  },
  track: {
    method: 'post',
    path: '/v1/segment/track',
    summary: "Segment's track: an event as POST /v1/events takes it (messageId is its id, the name mapped by CASCADE_SEGMENT_EVENT_MAP)",
    key: 'ingest',
    body: { schema: segmentTrackBody },
    ok,
    errors: [400, 401, 404, 409, 413],
  },
  batch: {
    method: 'post',
    path: '/v1/segment/batch',
    summary: "Segment's batch (what analytics-node and RudderStack send): identifies and tracks, all taken or, naming batch[i], none",
    key: 'ingest',
    body: { schema: segmentBatchBody, description: `At most ${SEGMENT_BODY_LIMIT}, gzip or not` },
    ok,
    errors: [400, 401, 404, 409, 413],
  },
} satisfies Record<string, ApiRoute>;

/**
 * JSON whatever the label: RudderStack's SDK gzips its JSON and axios labels it form-urlencoded.
 * Mounted before the API's JSON-only gate for that reason.
 */
const segmentJson = express.json({ limit: SEGMENT_BODY_LIMIT, type: () => true });

export function segmentIngestRouter(deps: LifecycleDeps & { segmentEventMap?: SegmentEventMap }): Router {
  const router = Router();
  const names = deps.segmentEventMap ?? DEFAULT_SEGMENT_EVENT_MAP;
  const take = async (messages: Located[], actor: string) => ingestSegmentCalls(deps, planSegmentCalls(messages, names), actor);

  mount(router, segmentIngestRoutes.identify, segmentJson, async (req, res) => {
    await take([{ at: '', message: parse(segmentIdentifyBody, req.body) }], actorOf(res));
    res.json({ success: true });
  });
  mount(router, segmentIngestRoutes.track, segmentJson, async (req, res) => {
    await take([{ at: '', message: parse(segmentTrackBody, req.body) }], actorOf(res));
    res.json({ success: true });
  });
  mount(router, segmentIngestRoutes.batch, segmentJson, async (req, res) => {
    const { batch } = parse(segmentBatchEnvelope, req.body);
    await take(
      batch.map((item, i) => ({ at: `batch[${i}]`, message: parse(segmentMessage, item, `batch[${i}]`) })),
      actorOf(res),
    );
    res.json({ success: true });
  });
  return router;
}
