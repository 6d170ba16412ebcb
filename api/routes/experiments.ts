/** GET /v1/analytics/journeys/:journey/experiments, /v1/analytics/campaigns/:id/experiments (analytics/experiments.ts). */
import { Router } from 'express';
import { experimentResults } from '../../analytics/experiments';
import type { Db } from '../../db/client';
import { getCampaign } from '../../db/queries/campaigns';
import { HttpError, parse } from '../../lib/http-error';
import { journeyRefSchema } from '../../schemas/analytics';
import { campaignRefSchema } from '../../schemas/campaigns';
import { experimentsQuery } from '../../schemas/experiments';
import { journeyById } from '../../workflows/registry';
import { requireScope } from '../auth';

export function experimentsRouter(db: Db): Router {
  const router = Router();
  router.get('/v1/analytics/journeys/:journey/experiments', requireScope('read'), async (req, res) => {
    const journey = parse(journeyRefSchema, req.params.journey, 'journey');
    if (!journeyById(journey)) throw new HttpError(404, 'not_found', `No journey ${journey}`, 'journey');
    res.json(await experimentResults(db, { journey, ...parse(experimentsQuery, req.query) }));
  });
  router.get('/v1/analytics/campaigns/:id/experiments', requireScope('read'), async (req, res) => {
    const id = parse(campaignRefSchema, req.params.id, 'id');
    const campaign = await getCampaign(db, id);
    if (!campaign) throw new HttpError(404, 'not_found', `No campaign ${id}`, 'id');
    res.json(await experimentResults(db, { journey: campaign.journey, campaignId: campaign.id, ...parse(experimentsQuery, req.query) }));
  });
  return router;
}
