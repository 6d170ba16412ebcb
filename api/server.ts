/**
 * The HTTP server: the Express app (api/app.ts) listening on a port. HTTP only: the processes that
 * serve it, and the background jobs beside it, are composed in processes/.
 */
import type { Server } from 'node:http';
import { logger } from '../lib/logger';
import { closeHttpServer } from '../lib/shutdown';
import { metricsTokenMissing } from '../metrics/serve';
import { createApp, type AppDeps } from './app';

export interface HttpHandle {
  server: Server;
  port: number;
  /** Stops taking requests and finishes those in flight. */
  stop(): Promise<void>;
}

export async function serveHttp(deps: Omit<AppDeps, 'metricsClosed'> & { port: number; host?: string }): Promise<HttpHandle> {
  const { port: wanted, host = '127.0.0.1', ...appDeps } = deps;
  // Beyond loopback, /metrics wants a token (metrics/serve.ts).
  const metricsClosed = metricsTokenMissing(host, deps.metricsToken);
  if (metricsClosed) logger.warn(`GET /metrics answers 403: ${metricsClosed}`);
  const app = createApp({ ...appDeps, metricsClosed });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(wanted, host, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : wanted;
  return { server, port, stop: () => closeHttpServer(server) };
}
