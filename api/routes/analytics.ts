/**
 * GET /v1/analytics/journeys/:journey[/series], /v1/analytics/campaigns/:id[/series],
 * /v1/analytics/summary, /v1/analytics/email-health: results computed when asked from the ledger (analytics/).
 */
import { Router } from 'express';
import { journeyResults, type ResultsQuery } from '../../analytics/funnel';
import { emailHealth } from '../../analytics/email-health';
import { resultsByDay } from '../../analytics/series';
import { journeysSummary } from '../../analytics/summary';
import type { Db } from '../../db/client';
import { getCampaign } from '../../db/queries/campaigns';
import { HttpError, parse } from '../../lib/http-error';
import { journeyRefSchema, resultsQuery, seriesQuery, emailHealthAnswer, resultsAnswer, seriesAnswer, summaryAnswer } from '../../schemas/analytics';
import { campaignRefSchema } from '../../schemas/campaigns';
import { API_JOURNEY } from '../../workflows/api-message-contract';
import { journeyById } from '../../workflows/registry';
import { mount, type ApiRoute } from '../declared-route';

export const analyticsRoutes = {
  journey: {
    method: 'get',
    path: '/v1/analytics/journeys/{journey}',
    summary: "A journey's results: sent, delivered, opened, clicked, bounced, complained, unsubscribed, converted, revenue and rates, per step and channel",
    key: 'read',
    params: { journey: journeyRefSchema },
    query: resultsQuery,
    ok: { 200: { description: 'The results', schema: resultsAnswer } },
    errors: [400, 401, 404],
  },
  journeySeries: {
    method: 'get',
    path: '/v1/analytics/journeys/{journey}/series',
    summary: "A journey's results per day of the messages",
    key: 'read',
    params: { journey: journeyRefSchema },
    query: seriesQuery,
    ok: { 200: { description: 'The days', schema: seriesAnswer } },
    errors: [400, 401, 404],
  },
  campaign: {
    method: 'get',
    path: '/v1/analytics/campaigns/{id}',
    summary: "A campaign's results: the messages of its runs, counted as a journey's",
    key: 'read',
    params: { id: campaignRefSchema },
    query: resultsQuery,
    ok: { 200: { description: 'The results', schema: resultsAnswer } },
    errors: [400, 401, 404],
  },
  campaignSeries: {
    method: 'get',
    path: '/v1/analytics/campaigns/{id}/series',
    summary: "A campaign's results per day of the messages",
    key: 'read',
    params: { id: campaignRefSchema },
    query: seriesQuery,
    ok: { 200: { description: 'The days', schema: seriesAnswer } },
    errors: [400, 401, 404],
  },
  summary: {
    method: 'get',
    path: '/v1/analytics/summary',
    summary: "Every journey's results side by side (and `api` for messages sent through the API), with openers against the rest, and their total",
    key: 'read',
    query: resultsQuery,
    ok: { 200: { description: 'The summary', schema: summaryAnswer } },
    errors: [400, 401],
  },
  emailHealth: {
    method: 'get',
    path: '/v1/analytics/email-health',
    summary: 'Email health: inactive share of marketing sends (30 days), bounce and complaint rates (7 and 30 days), sunset skips (30 days), and a warning with what to do',
    key: 'read',
    ok: { 200: { description: 'The health', schema: emailHealthAnswer } },
    errors: [401],
  },
} satisfies Record<string, ApiRoute>;

/** `sunsetDays`: CASCADE_SUNSET_DAYS, which email health reports beside the skips it caused. */
export function analyticsRouter(db: Db, sunsetDays?: number): Router {
  const router = Router();

  const journeyScope = (raw: unknown) => {
    const journey = parse(journeyRefSchema, raw, 'journey');
    // Messages sent through POST /v1/messages are counted as the journey `api`.
    if (journey !== API_JOURNEY && !journeyById(journey)) throw new HttpError(404, 'not_found', `No journey ${journey}`, 'journey');
    return { journey };
  };
  const campaignScope = async (raw: unknown) => {
    const id = parse(campaignRefSchema, raw, 'id');
    const campaign = await getCampaign(db, id);
    if (!campaign) throw new HttpError(404, 'not_found', `No campaign ${id}`, 'id');
    return { journey: campaign.journey, campaignId: campaign.id };
  };

  mount(router, analyticsRoutes.journey, async (req, res) => {
    const scope = journeyScope(req.params.journey);
    res.json(await journeyResults(db, { ...scope, ...parse(resultsQuery, req.query) } satisfies ResultsQuery));
  });
  mount(router, analyticsRoutes.journeySeries, async (req, res) => {
    const scope = journeyScope(req.params.journey);
    const q = parse(seriesQuery, req.query);
    res.json({ ...scope, timeZone: q.timeZone ?? 'UTC', days: await resultsByDay(db, { ...scope, ...q }) });
  });
  mount(router, analyticsRoutes.campaign, async (req, res) => {
    const scope = await campaignScope(req.params.id);
    res.json(await journeyResults(db, { ...scope, ...parse(resultsQuery, req.query) }));
  });
  mount(router, analyticsRoutes.campaignSeries, async (req, res) => {
    const scope = await campaignScope(req.params.id);
    const q = parse(seriesQuery, req.query);
    res.json({ ...scope, timeZone: q.timeZone ?? 'UTC', days: await resultsByDay(db, { ...scope, ...q }) });
  });
  mount(router, analyticsRoutes.summary, async (req, res) => {
    res.json(await journeysSummary(db, parse(resultsQuery, req.query)));
  });
  mount(router, analyticsRoutes.emailHealth, async (_req, res) => {
    res.json(await emailHealth(db, { sunsetDays }));
  });
  return router;
}
