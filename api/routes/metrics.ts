/**
 * GET /metrics: the process's Prometheus registry, outside /v1 and its API keys (Prometheus scrapes
 * with at most a bearer token). With CASCADE_METRICS_TOKEN set it wants that token; without it the
 * route is open only while the API listens on loopback (`npm start`), and answers 403 otherwise
 * (metrics/serve.ts says why the API starts anyway).
 */
import { Router } from 'express';
import { metricsAuthorized, metricsText } from '../../metrics/serve';
import { HttpError } from '../../lib/http-error';
import { mount, type ApiRoute } from '../declared-route';

export const metricsRoutes = {
  scrape: {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics of this process (a bearer CASCADE_METRICS_TOKEN when one is set; without one, served only while the API listens on loopback)',
    key: false,
    ok: { 200: { description: 'Prometheus text exposition', type: 'text/plain' } },
    errors: [401, 403],
  },
} satisfies Record<string, ApiRoute>;

/** `closed`: why metrics are not served at all (no token, listening beyond loopback). */
export function metricsRouter(token: string | undefined, closed?: string): Router {
  const router = Router();
  mount(router, metricsRoutes.scrape, async (req, res) => {
    if (closed) throw new HttpError(403, 'forbidden', `Metrics are not served: ${closed}`);
    if (!metricsAuthorized(token, req.get('authorization'))) {
      res.set('www-authenticate', 'Bearer');
      throw new HttpError(401, 'unauthorized', 'Authorization: Bearer <CASCADE_METRICS_TOKEN> is required');
    }
    const { contentType, body } = await metricsText();
    res.type(contentType).send(body);
  });
  return router;
}
