/**
 * GET /v1/analytics/journeys/:journey[/series], /v1/analytics/campaigns/:id[/series],
 * /v1/analytics/email-health: results computed when asked from the ledger (analytics/).
 */
import { Router } from 'express';
import { journeyResults, type ResultsQuery } from '../../analytics/funnel';
import { emailHealth } from '../../analytics/email-health';
import { resultsByDay } from '../../analytics/series';
import type { Db } from '../../db/client';
import { getCampaign } from '../../db/queries/campaigns';
import { HttpError, parse } from '../../lib/http-error';
import { journeyRefSchema, resultsQuery, seriesQuery } from '../../schemas/analytics';
import { campaignRefSchema } from '../../schemas/campaigns';
import { journeyById } from '../../workflows/registry';
import { requireScope } from '../auth';

export function analyticsRouter(db: Db): Router {
  const router = Router();

  const journeyScope = (raw: unknown) => {
    const journey = parse(journeyRefSchema, raw, 'journey');
    if (!journeyById(journey)) throw new HttpError(404, 'not_found', `No journey ${journey}`, 'journey');
    return { journey };
  };
  const campaignScope = async (raw: unknown) => {
    const id = parse(campaignRefSchema, raw, 'id');
    const campaign = await getCampaign(db, id);
    if (!campaign) throw new HttpError(404, 'not_found', `No campaign ${id}`, 'id');
    return { journey: campaign.journey, campaignId: campaign.id };
  };

  router.get('/v1/analytics/journeys/:journey', requireScope('read'), async (req, res) => {
    const scope = journeyScope(req.params.journey);
    res.json(await journeyResults(db, { ...scope, ...parse(resultsQuery, req.query) } satisfies ResultsQuery));
  });
  router.get('/v1/analytics/journeys/:journey/series', requireScope('read'), async (req, res) => {
    const scope = journeyScope(req.params.journey);
    const q = parse(seriesQuery, req.query);
    res.json({ ...scope, timeZone: q.timeZone ?? 'UTC', days: await resultsByDay(db, { ...scope, ...q }) });
  });
  router.get('/v1/analytics/campaigns/:id', requireScope('read'), async (req, res) => {
    const scope = await campaignScope(req.params.id);
    res.json(await journeyResults(db, { ...scope, ...parse(resultsQuery, req.query) }));
  });
  router.get('/v1/analytics/campaigns/:id/series', requireScope('read'), async (req, res) => {
    const scope = await campaignScope(req.params.id);
    const q = parse(seriesQuery, req.query);
    res.json({ ...scope, timeZone: q.timeZone ?? 'UTC', days: await resultsByDay(db, { ...scope, ...q }) });
  });
  router.get('/v1/analytics/email-health', requireScope('read'), async (_req, res) => {
    res.json(await emailHealth(db));
  });
  return router;
}
