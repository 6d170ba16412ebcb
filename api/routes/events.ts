/** POST /v1/events[?wait=routed]: one event in (what happens to it: routing/ingest-event.ts). */
import { Router } from 'express';
import type { LifecycleDeps } from '../../lifecycle/deps';
import { ingestEvent } from '../../routing/ingest-event';
import { jsonBody } from '../json-body';
import { HttpError, parse } from '../../lib/http-error';
import { eventBody, eventQuery, eventAnswer } from '../../schemas/events';
import { mount, type ApiRoute } from '../declared-route';

export const eventRoutes = {
  post: {
    method: 'post',
    path: '/v1/events',
    summary: 'An event: starts the journeys it triggers and reaches the runs that listen to it (id is the idempotency key). Answered once stored; ?wait=routed answers once routed',
    key: 'ingest',
    query: eventQuery,
    body: { schema: eventBody },
    ok: {
      202: { description: 'Stored (routing pending), or with ?wait=routed stored and routed', schema: eventAnswer },
      200: { description: 'The same id again', schema: eventAnswer },
    },
    errors: [400, 401, 404, 409, 413, 422, 503],
  },
} satisfies Record<string, ApiRoute>;

export function eventsRouter(deps: LifecycleDeps): Router {
  const router = Router();
  mount(router, eventRoutes.post, jsonBody, async (req, res) => {
    const { wait } = parse(eventQuery, req.query, 'query');
    const outcome = await ingestEvent(deps, parse(eventBody, req.body), { wait: wait === 'routed' });
    if ('error' in outcome) throw new HttpError(outcome.status, outcome.error.code, outcome.error.message, outcome.error.field);
    res.status(outcome.status).json(outcome.answer);
  });
  return router;
}
