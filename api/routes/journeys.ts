/** GET /v1/journeys, /v1/journeys/:id: each journey's step graph, drawn from its code, with live counts (journey-map/). */
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import type { Db } from '../../db/client';
import { journeyViews } from '../../journey-map/view';
import { HttpError, parse } from '../../lib/http-error';
import { journeyIdParam } from '../../schemas/journey-controls';
import { journeysAnswer, journeyView } from '../../schemas/journeys';
import { allJourneys, journeyById } from '../../workflows/registry';
import { mount, type ApiRoute } from '../declared-route';

export const journeyRoutes = {
  list: {
    method: 'get',
    path: '/v1/journeys',
    summary: 'Every journey: its step graph as its code runs it, and per step the runs waiting there, messages sent and runs converted',
    key: 'read',
    ok: { 200: { description: 'The journeys', schema: journeysAnswer } },
    errors: [401, 403],
  },
  get: {
    method: 'get',
    path: '/v1/journeys/{id}',
    summary: "One journey's step graph and counts",
    key: 'read',
    params: { id: journeyIdParam },
    ok: { 200: { description: 'The journey', schema: journeyView } },
    errors: [400, 401, 403, 404],
  },
} satisfies Record<string, ApiRoute>;

export function journeysRouter(deps: { db: Db; client: Client }): Router {
  const router = Router();
  mount(router, journeyRoutes.list, async (_req, res) => {
    res.json(await journeyViews(deps, allJourneys));
  });
  mount(router, journeyRoutes.get, async (req, res) => {
    const id = parse(journeyIdParam, req.params.id, 'id');
    const journey = journeyById(id);
    if (!journey) throw new HttpError(404, 'not_found', `No journey ${id}`, 'id');
    const [view] = await journeyViews(deps, [journey]);
    res.json(view);
  });
  return router;
}
