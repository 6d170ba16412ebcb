/** The Express app: JSON in, the v1 routes behind API keys, one error shape out. */
import express from 'express';
import { requireApiKey } from './auth';
import { errorHandler } from './errors';
import type { LifecycleDeps } from '../lifecycle/deps';
import { customersRouter } from './routes/customers';
import { eventsRouter } from './routes/events';
import { healthRouter } from './routes/health';
import { outboxRouter } from './routes/outbox';
import { consentsRouter } from './routes/consents';
import { unsubscribeRouter } from './routes/unsubscribe';
import { resendWebhookRouter } from './routes/webhooks-resend';
import { smscWebhookRouter } from './routes/webhooks-smsc';
import { openApiRouter } from './openapi';
import { eventsBatchRouter } from './routes/events-batch';
import { timelineRouter } from './routes/timeline';

export interface AppDeps extends LifecycleDeps {
  apiKeys: string[];
  /** Signs and checks unsubscribe links; without it the unsubscribe page answers 400. */
  unsubscribeSecret?: string;
  /** Verifies Resend webhooks; without it they are refused with 503. */
  resendWebhookSecret?: string;
  /** Verifies SMSC delivery callbacks; without it they are taken unsigned (see webhooks-smsc.ts). */
  smscCallbackSecret?: string;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(healthRouter(deps.db, deps.client));
  app.use(openApiRouter());
  // Before the JSON parser: the webhook route reads its raw body; both are public (signed links / signatures).
  app.use(resendWebhookRouter({ db: deps.db, client: deps.client, secret: deps.resendWebhookSecret }));
  app.use(unsubscribeRouter(deps.db, deps.unsubscribeSecret));
  app.use(smscWebhookRouter({ db: deps.db, client: deps.client, secret: deps.smscCallbackSecret }));
  app.use('/v1', requireApiKey(deps.apiKeys));
  // Before the default JSON parser: the batch route parses its own, larger body.
  app.use(eventsBatchRouter(deps));
  app.use(express.json({ limit: '256kb' }));
  app.use(customersRouter(deps.db));
  app.use(consentsRouter(deps.db));
  app.use(eventsRouter(deps));
  app.use(outboxRouter(deps.db));
  app.use(timelineRouter(deps));
  app.use((req, _res, next) => next(Object.assign(new Error(`No route for ${req.method} ${req.path}`), { status: 404 })));
  app.use(errorHandler);
  return app;
}
