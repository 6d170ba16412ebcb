/**
 * Serving the registry: the bearer check both processes share (CASCADE_METRICS_TOKEN; without it
 * `/metrics` is open and must stay on an internal network), and the worker's own small HTTP server.
 * The API serves the same registry from its Express app (api/routes/metrics.ts).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { closeHttpServer } from '../lib/shutdown';
import { registry } from './registry';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** True when no token is configured or the Authorization header carries it (compared in constant time). */
export function metricsAuthorized(token: string | undefined, authorization: string | undefined): boolean {
  if (!token) return true;
  const given = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

export interface MetricsServer {
  port: number;
  stop(): Promise<void>;
}

/** `GET /metrics` on its own port (the worker has no other HTTP server). */
export async function serveMetrics(opts: { port: number; host?: string; token?: string }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (!metricsAuthorized(opts.token, req.headers.authorization)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('unauthorized\n');
      return;
    }
    metricsText().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : opts.port,
    stop: () => closeHttpServer(server),
  };
}
