/**
 * GET /healthz: 200 when Postgres and Temporal answer, 503 naming what does not. The route is public,
 * so the reason (hosts, ports, driver messages) goes to the log, never into the answer.
 */
import type { Client } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { Router } from 'express';
import type { Db } from '../../db/client';
import { logger } from '../../lib/logger';

type Check = 'ok' | 'unavailable';

async function probe(name: string, check: () => Promise<unknown>, timeoutMs = 2000): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs))),
    ]);
    return 'ok';
  } catch (err) {
    logger.warn({ check: name, err }, 'health check failed');
    return 'unavailable';
  } finally {
    clearTimeout(timer);
  }
}

export function healthRouter(db: Db, client: Client): Router {
  const router = Router();
  router.get('/healthz', async (_req, res) => {
    const [database, temporal] = await Promise.all([
      probe('database', () => db.execute(sql`select 1`)),
      probe('temporal', () => client.workflowService.getSystemInfo({})),
    ]);
    const failing = Object.entries({ database, temporal }).filter(([, v]) => v !== 'ok');
    res.status(failing.length ? 503 : 200).json({
      status: failing.length ? 'unavailable' : 'ok',
      checks: { database, temporal },
      ...(failing.length ? { unavailable: failing.map(([k]) => k) } : {}),
    });
  });
  return router;
}
