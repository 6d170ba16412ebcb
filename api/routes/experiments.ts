/** GET /v1/analytics/journeys/:journey/experiments, /v1/analytics/campaigns/:id/experiments (analytics/experiments.ts). */
import { Router } from 'express';
import { experimentResults } from '../../analytics/experiments';
import type { Db } from '../../db/client';
import { getCampaign } from '../../db/queries/campaigns';
import { HttpError, parse } from '../../lib/http-error';
import { journeyRefSchema } from '../../schemas/analytics';
import { campaignRefSchema } from '../../schemas/campaigns';
import { experimentsQuery, experimentsAnswer } from '../../schemas/experiments';
import { journeyById } from '../../workflows/registry';
import { z } from 'zod';
import { mount, type ApiRoute } from '../declared-route';

export const experimentRoutes = {
  journey: {
    method: 'get',
    path: '/v1/analytics/journeys/{journey}/experiments',
    summary: "A journey's experiments: per variant runs, sends, conversion and a z-test against the control; the holdout's uplift",
    key: 'read',
    params: { journey: journeyRefSchema },
    query: experimentsQuery,
    ok: { 200: { description: 'The experiments', schema: experimentsAnswer } },
    errors: [400, 401, 404],
  },
  campaign: {
    method: 'get',
    path: '/v1/analytics/campaigns/{id}/experiments',
    summary: "A campaign's runs by variant, and its holdout against the treated members (uplift)",
    key: 'read',
    params: { id: campaignRefSchema },
    query: experimentsQuery,
    ok: { 200: { description: 'The experiments', schema: experimentsAnswer } },
    errors: [400, 401, 404],
  },
} satisfies Record<string, ApiRoute>;

export function experimentsRouter(db: Db): Router {
  const router = Router();
  mount(router, experimentRoutes.journey, async (req, res) => {
    const journey = parse(journeyRefSchema, req.params.journey, 'journey');
    if (!journeyById(journey)) throw new HttpError(404, 'not_found', `No journey ${journey}`, 'journey');
    res.json(await experimentResults(db, { journey, ...parse(experimentsQuery, req.query) }));
  });
  mount(router, experimentRoutes.campaign, async (req, res) => {
    const id = parse(campaignRefSchema, req.params.id, 'id');
    const campaign = await getCampaign(db, id);
    if (!campaign) throw new HttpError(404, 'not_found', `No campaign ${id}`, 'id');
    res.json(await experimentResults(db, { journey: campaign.journey, campaignId: campaign.id, ...parse(experimentsQuery, req.query) }));
  });
  return router;
}
