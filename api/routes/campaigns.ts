/**
 * Campaigns: POST /v1/campaigns (201 created, 200 replaced: a wider rollout or other test recipients
 * page through again, nobody twice), GET /v1/campaigns[/:id], POST /v1/campaigns/:id/pause|resume|cancel
 * (409 when the campaign's state does not allow it).
 */
import { Router } from 'express';
import { getCampaign, listCampaigns, saveCampaign, type Campaign } from '../../db/queries/campaigns';
import { getSegment } from '../../db/queries/segments';
import { launchCampaign, scheduleCampaign, steerCampaign, type CampaignAction, type CampaignDeps } from '../../campaigns/start';
import { jsonBody } from '../json-body';
import { HttpError, parse } from '../../lib/http-error';
import { campaignBody, campaignRefSchema, campaignAnswer, campaignList } from '../../schemas/campaigns';
import { auditTarget } from '../../audit/declare';
import { mount, type ApiRoute } from '../declared-route';

function answer(c: Campaign) {
  const { segmentId, ...rest } = c;
  return { ...rest, segment: segmentId };
}

export const campaignRoutes = {
  put: {
    method: 'post',
    path: '/v1/campaigns',
    audit: { action: 'campaign.save', target: () => 'campaign:?' },
    summary: 'Create (201) or replace (200) a campaign: its journey for every member of a segment, once or on a schedule; a wider rollout pages again, nobody twice',
    key: 'admin',
    body: { schema: campaignBody },
    ok: { 201: { description: 'Created and started (or scheduled)', schema: campaignAnswer }, 200: { description: 'Replaced', schema: campaignAnswer } },
    errors: [400, 401, 403, 413],
  },
  list: {
    method: 'get',
    path: '/v1/campaigns',
    summary: 'Every campaign with its progress',
    key: 'read',
    ok: { 200: { description: 'The campaigns', schema: campaignList } },
    errors: [401, 403],
  },
  get: {
    method: 'get',
    path: '/v1/campaigns/{id}',
    summary: "A campaign: status, total, enrolled, skipped",
    key: 'read',
    params: { id: campaignRefSchema },
    ok: { 200: { description: 'The campaign', schema: campaignAnswer } },
    errors: [400, 401, 403, 404],
  },
  pause: {
    method: 'post',
    path: '/v1/campaigns/{id}/pause',
    audit: { action: 'campaign.pause', target: (req) => `campaign:${req.params.id}` },
    summary: 'Pause enrolment (and the schedule of a recurring campaign)',
    key: 'admin',
    params: { id: campaignRefSchema },
    ok: { 200: { description: 'The campaign', schema: campaignAnswer } },
    errors: [400, 401, 403, 404, 409],
  },
  resume: {
    method: 'post',
    path: '/v1/campaigns/{id}/resume',
    audit: { action: 'campaign.resume', target: (req) => `campaign:${req.params.id}` },
    summary: 'Resume a paused campaign',
    key: 'admin',
    params: { id: campaignRefSchema },
    ok: { 200: { description: 'The campaign', schema: campaignAnswer } },
    errors: [400, 401, 403, 404, 409],
  },
  cancel: {
    method: 'post',
    path: '/v1/campaigns/{id}/cancel',
    audit: { action: 'campaign.cancel', target: (req) => `campaign:${req.params.id}` },
    summary: 'Cancel: nobody more is enrolled; runs already started go on',
    key: 'admin',
    params: { id: campaignRefSchema },
    ok: { 200: { description: 'The campaign', schema: campaignAnswer } },
    errors: [400, 401, 403, 404, 409],
  },
} satisfies Record<string, ApiRoute>;

export function campaignsRouter(deps: CampaignDeps): Router {
  const router = Router();
  const { db } = deps;

  const find = async (raw: unknown): Promise<Campaign> => {
    const id = parse(campaignRefSchema, raw, 'id');
    const c = await getCampaign(db, id);
    if (!c) throw new HttpError(404, 'not_found', `No campaign ${id}`, 'id');
    return c;
  };

  mount(router, campaignRoutes.put, jsonBody, async (req, res) => {
    const body = parse(campaignBody, req.body ?? {});
    auditTarget(res, `campaign:${body.id}`);
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

  mount(router, campaignRoutes.list, async (_req, res) => {
    res.json({ campaigns: (await listCampaigns(db)).map(answer) });
  });

  mount(router, campaignRoutes.get, async (req, res) => {
    res.json(answer(await find(req.params.id)));
  });

  for (const action of ['pause', 'resume', 'cancel'] satisfies CampaignAction[]) {
    mount(router, campaignRoutes[action], async (req, res) => {
      const c = await find(req.params.id);
      const result = await steerCampaign(deps, c, action);
      if (!result.ok) throw new HttpError(409, 'conflict', result.reason, 'status');
      res.json(answer((await getCampaign(db, c.id))!));
    });
  }

  return router;
}
