/** GET /v1/data-quality: duplicates, invalid contacts, implausible order histories, unreachable activity (data-quality/). */
import { Router } from 'express';
import type { Db } from '../../db/client';
import { dataQualityReport } from '../../data-quality/report';
import { requireScope } from '../auth';

export function dataQualityRouter(db: Db): Router {
  const router = Router();
  router.get('/v1/data-quality', requireScope('read'), async (_req, res) => {
    res.json(await dataQualityReport(db));
  });
  return router;
}
