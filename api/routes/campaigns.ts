/**
 * Campaigns: POST /v1/campaigns (201 created, 200 replaced: a wider rollout or other test recipients
 * page through again, nobody twice), GET /v1/campaigns[/:id], POST /v1/campaigns/:id/pause|resume|cancel
 * (409 when the campaign's state does not allow it).
 */
import { Router } from 'express';
import { getCampaign, listCampaigns, saveCampaign, type Campaign } from '../../db/queries/campaigns';
import { getSegment } from '../../db/queries/segments';
import { launchCampaign, scheduleCampaign, steerCampaign, type CampaignAction, type CampaignDeps } from '../../campaigns/start';
import { requireScope } from '../auth';
import { jsonBody } from '../json-body';
import { HttpError, parse } from '../../lib/http-error';
import { campaignBody, campaignRefSchema } from '../../schemas/campaigns';

function answer(c: Campaign) {
  const { segmentId, ...rest } = c;
  return { ...rest, segment: segmentId };
}

export function campaignsRouter(deps: CampaignDeps): Router {
  const router = Router();
  const { db } = deps;

  const find = async (raw: unknown): Promise<Campaign> => {
    const id = parse(campaignRefSchema, raw, 'id');
    const c = await getCampaign(db, id);
    if (!c) throw new HttpError(404, 'not_found', `No campaign ${id}`, 'id');
    return c;
  };

  router.post('/v1/campaigns', requireScope('admin'), jsonBody, async (req, res) => {
    const body = parse(campaignBody, req.body ?? {});
    if (!(await getSegment(db, body.segment))) throw new HttpError(400, 'invalid_request', `segment: no segment ${body.segment}`, 'segment');
    const spec = {
      id: body.id,
      journey: body.journey,
      segmentId: body.segment,
      ratePerSecond: body.ratePerSecond,
      testRecipients: body.testRecipients,
      rolloutPercent: body.rolloutPercent,
      holdoutPercent: body.holdoutPercent,
      schedule: body.schedule,
    };
    const saved = await db.transaction(async (tx) => {
      const s = await saveCampaign(tx, spec);
      try {
        await scheduleCampaign(deps, s.campaign);
      } catch (err) {
        // Temporal's INVALID_ARGUMENT (the client rethrows it as a TypeError): a cron line it cannot read.
        if (body.schedule && (err instanceof TypeError || (err as { code?: number }).code === 3)) {
          const field = body.schedule.cron ? 'schedule.cron' : 'schedule.every';
          throw new HttpError(400, 'invalid_request', `${field}: ${(err as Error).message}`, field);
        }
        throw err;
      }
      return s;
    });
    await launchCampaign(deps, saved.campaign);
    res.status(saved.created ? 201 : 200).json(answer((await getCampaign(db, body.id)) ?? saved.campaign));
  });

  router.get('/v1/campaigns', requireScope('read'), async (_req, res) => {
    res.json({ campaigns: (await listCampaigns(db)).map(answer) });
  });

  router.get('/v1/campaigns/:id', requireScope('read'), async (req, res) => {
    res.json(answer(await find(req.params.id)));
  });

  for (const action of ['pause', 'resume', 'cancel'] as CampaignAction[]) {
    router.post(`/v1/campaigns/:id/${action}`, requireScope('admin'), async (req, res) => {
      const c = await find(req.params.id);
      const result = await steerCampaign(deps, c, action);
      if (!result.ok) throw new HttpError(409, 'conflict', result.reason, 'status');
      res.json(answer((await getCampaign(db, c.id))!));
    });
  }

  return router;
}
