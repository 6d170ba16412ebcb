/** GET /v1/data-quality: duplicates, invalid contacts, implausible order histories, unreachable activity (data-quality/). */
import { Router } from 'express';
import type { Db } from '../../db/client';
import { dataQualityReport } from '../../data-quality/report';
import { dataQualityAnswer } from '../../schemas/data-quality';
import { mount, type ApiRoute } from '../declared-route';

export const dataQualityRoutes = {
  report: {
    method: 'get',
    path: '/v1/data-quality',
    summary: 'Duplicate customers, invalid emails and phones, implausible order histories, activity without contact: counts and samples',
    key: 'read',
    ok: { 200: { description: 'The findings', schema: dataQualityAnswer } },
    errors: [401, 403],
  },
} satisfies Record<string, ApiRoute>;

export function dataQualityRouter(db: Db): Router {
  const router = Router();
  mount(router, dataQualityRoutes.report, async (_req, res) => {
    res.json(await dataQualityReport(db));
  });
  return router;
}
