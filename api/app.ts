/** The Express app: JSON in, the v1 routes behind API keys, one error shape out. */
import express from 'express';
import { requireApiKey } from './auth';
import { errorHandler } from './errors';
import type { RoutingDeps } from './routing';
import { customersRouter } from './routes/customers';
import { eventsRouter } from './routes/events';
import { healthRouter } from './routes/health';
import { outboxRouter } from './routes/outbox';

export interface AppDeps extends RoutingDeps {
  apiKeys: string[];
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(healthRouter(deps.db, deps.client));
  app.use('/v1', requireApiKey(deps.apiKeys));
  app.use(express.json({ limit: '256kb' }));
  app.use(customersRouter(deps.db));
  app.use(eventsRouter(deps));
  app.use(outboxRouter(deps.db));
  app.use((req, _res, next) => next(Object.assign(new Error(`No route for ${req.method} ${req.path}`), { status: 404 })));
  app.use(errorHandler);
  return app;
}
