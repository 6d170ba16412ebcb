/**
 * GET /metrics: the process's Prometheus registry, outside /v1 and its API keys (Prometheus scrapes
 * with at most a bearer token). With CASCADE_METRICS_TOKEN set it wants that token; without it the
 * route is open and must only be reachable from the internal network.
 */
import { Router } from 'express';
import { metricsAuthorized, metricsText } from '../../metrics/serve';
import { HttpError } from '../../lib/http-error';

export function metricsRouter(token: string | undefined): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    if (!metricsAuthorized(token, req.get('authorization'))) {
      res.set('www-authenticate', 'Bearer');
      throw new HttpError(401, 'unauthorized', 'Authorization: Bearer <CASCADE_METRICS_TOKEN> is required');
    }
    const { contentType, body } = await metricsText();
    res.type(contentType).send(body);
  });
  return router;
}
