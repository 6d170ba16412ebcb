/**
 * POST /v1/import/customers and /v1/import/orders: NDJSON or CSV bodies read as a stream (import/),
 * never held whole. Mounted before the JSON-only gate and the JSON parser: the body is the file.
 */
import { Router, type Request, type RequestHandler } from 'express';
import type { Db } from '../../db/client';
import { importCustomers, customerCell } from '../../import/customers';
import { importOrders, IMPORTED_ORDERS_START_NOTHING } from '../../import/orders';
import { formatOf, importLimitsOf, rowsOf, type ImportFormat, type ImportLimits } from '../../import/parse';
import { loadConfig } from '../../lib/config';
import type { ImportReport } from '../../import/batches';
import { actorOf } from '../auth';
import { HttpError } from '../../lib/http-error';
import { customerImportAnswer, customerImportBody, orderImportAnswer, orderImportBody } from '../../schemas/import';
import { mount, type ApiRoute } from '../declared-route';

export const importRoutes = {
  customers: {
    method: 'post',
    path: '/v1/import/customers',
    summary: 'Load customers in bulk: NDJSON or CSV, streamed, each row a PUT /v1/customers/:id body plus id; answered row by row',
    key: 'ingest',
    body: { schema: customerImportBody, type: 'application/x-ndjson', alsoTypes: ['text/csv'], description: 'One customer a line' },
    ok: { 200: { description: 'Rows stored, and each rejected row with its line and field', schema: customerImportAnswer } },
    errors: [400, 401, 403, 409, 413, 415],
  },
  orders: {
    method: 'post',
    path: '/v1/import/orders',
    summary: 'Load order history in bulk: NDJSON or CSV, streamed; starts no journey and sends no order confirmation',
    key: 'ingest',
    body: { schema: orderImportBody, type: 'application/x-ndjson', alsoTypes: ['text/csv'], description: 'One order a line' },
    ok: { 200: { description: 'Rows stored, and each rejected row with its line and field', schema: orderImportAnswer } },
    errors: [400, 401, 403, 409, 413, 415],
  },
} satisfies Record<string, ApiRoute>;

export function importRouter(db: Db, limits: ImportLimits = importLimitsOf(loadConfig({}))): Router {
  const router = Router();

  // An import may be answered before its file is read to the end (a limit, a refused type): the rest
  // is never read, so the connection cannot carry another request. One import per connection.
  router.use('/v1/import', (_req, res, next) => {
    res.setHeader('connection', 'close');
    next();
  });

  // One import at a time per key (in this process): each holds connections and a core for minutes,
  // so a script that starts a file again before the first is done would only slow both down.
  const running = new Set<string>();
  const oneAtATime: RequestHandler = (_req, res, next) => {
    const key = actorOf(res);
    if (running.has(key)) {
      throw new HttpError(409, 'import_in_progress', 'Another import with this API key is still running; wait for its answer, then send the next file');
    }
    running.add(key);
    // 'close' comes once the answer is sent or the client went away: either way the import is over.
    res.once('close', () => running.delete(key));
    next();
  };

  mount(router, importRoutes.customers, oneAtATime, async (req, res) => {
    const report = await importCustomers(db, rowsOf(req, formatFor(req, limits), limits, customerCell), { actor: actorOf(res) });
    res.json({ ...counted(report), consentsRefused: report.notes });
  });

  mount(router, importRoutes.orders, oneAtATime, async (req, res) => {
    const report = await importOrders(db, rowsOf(req, formatFor(req, limits), limits));
    res.json({ ...counted(report), journeys: IMPORTED_ORDERS_START_NOTHING });
  });

  return router;
}

function formatFor(req: Request, limits: ImportLimits): ImportFormat {
  const format = formatOf(req.get('content-type'));
  if (!format) {
    throw new HttpError(415, 'unsupported_media_type', `Send the file as application/x-ndjson or text/csv (got ${req.get('content-type') ?? 'no content-type'})`, 'content-type');
  }
  // A declared size over the limit is refused before a row is stored.
  if (Number(req.get('content-length') ?? 0) > limits.maxBytes) {
    throw new HttpError(413, 'body_too_large', `An import may carry at most ${limits.maxBytes} bytes; split the file`);
  }
  return format;
}

function counted(report: ImportReport) {
  const created = report.counts.created ?? 0;
  const updated = report.counts.updated ?? 0;
  return {
    accepted: report.accepted,
    created,
    updated,
    unchanged: report.accepted - created - updated,
    rejected: report.rejected,
    rejectedTotal: report.rejectedTotal,
  };
}
