/**
 * Serving the registry: the bearer check both processes share (CASCADE_METRICS_TOKEN), the rule that
 * a process listening beyond loopback serves metrics only behind that token, and the worker's own
 * small HTTP server. The API serves the same registry from its Express app (api/routes/metrics.ts).
 *
 * Metrics name journeys, channels and error rates, and scraping them costs work: open to anyone who
 * reaches the port, they are a leak and a lever. How each process keeps the rule differs:
 * - the worker's server exists only for metrics, so without a token beyond loopback it refuses to
 *   start (a port that refuses every scrape is a misconfiguration, better seen at deploy time);
 * - the API's port serves the product, so the API starts and its /metrics answers 403 naming the
 *   variable (a monitoring setting must not take ingestion and webhooks down).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { isIP } from 'node:net';
import { closeHttpServer } from '../lib/shutdown';
import { registry } from './registry';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** True when no token is configured or the Authorization header carries it (compared in constant time). */
export function metricsAuthorized(token: string | undefined, authorization: string | undefined): boolean {
  if (!token) return true;
  const given = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

/** Whether a listen address keeps the port on this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 ? h.startsWith('127.') : h.startsWith('::ffff:127.');
}

/** Why a process listening on `host` may not serve metrics without a token, or undefined when it may. */
export function metricsTokenMissing(host: string, token: string | undefined): string | undefined {
  if (token || isLoopback(host)) return undefined;
  return `CASCADE_METRICS_TOKEN is not set and /metrics listens beyond loopback (${host}): set the token (Prometheus sends it as a bearer)`;
}

export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

export interface MetricsServer {
  port: number;
  stop(): Promise<void>;
}

/** Throws, saying how to fix it, when the worker's metrics server may not start there without a token. */
export function requireWorkerMetricsToken(host: string, token: string | undefined): void {
  const missing = metricsTokenMissing(host, token);
  if (missing) throw new Error(`The worker's metrics server will not start: ${missing}, or set CASCADE_WORKER_METRICS_HOST=127.0.0.1, or CASCADE_WORKER_METRICS_PORT=0 to turn it off`);
}

/** `GET /metrics` on its own port (the worker has no other HTTP server); refuses to start open beyond loopback. */
export async function serveMetrics(opts: { port: number; host?: string; token?: string }): Promise<MetricsServer> {
  const host = opts.host ?? '0.0.0.0';
  requireWorkerMetricsToken(host, opts.token);
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
    server.listen(opts.port, host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : opts.port,
    stop: () => closeHttpServer(server),
  };
}
