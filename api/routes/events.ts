/** POST /v1/events[?wait=routed]: one event in (what happens to it: routing/ingest-event.ts). */
import { Router } from 'express';
import type { LifecycleDeps } from '../../lifecycle/deps';
import { ingestEvent } from '../../routing/ingest-event';
import { requireScope } from '../auth';
import { jsonBody } from '../json-body';
import { HttpError, parse } from '../../lib/http-error';
import { eventBody, eventQuery } from '../../schemas/events';

export function eventsRouter(deps: LifecycleDeps): Router {
  const router = Router();
  router.post('/v1/events', requireScope('ingest'), jsonBody, async (req, res) => {
    const { wait } = parse(eventQuery, req.query, 'query');
    const outcome = await ingestEvent(deps, parse(eventBody, req.body), { wait: wait === 'routed' });
    if ('error' in outcome) throw new HttpError(outcome.status, outcome.error.code, outcome.error.message, outcome.error.field);
    res.status(outcome.status).json(outcome.answer);
  });
  return router;
}
