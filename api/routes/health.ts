/**
 * GET /healthz: 200 when Postgres and Temporal answer, 503 naming what does not. The route is public,
 * so the reason (hosts, ports, driver messages) goes to the log, never into the answer.
 */
import type { Client } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { logger } from '../../lib/logger';
import { mount, type ApiRoute } from '../declared-route';

type Check = 'ok' | 'unavailable';

const health = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.object({ database: z.enum(['ok', 'unavailable']), temporal: z.enum(['ok', 'unavailable']) }),
  unavailable: z.array(z.string()).optional(),
});

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

export const healthRoutes = {
  check: {
    method: 'get',
    path: '/healthz',
    summary: 'Whether Postgres and Temporal answer',
    key: false,
    ok: { 200: { description: 'Both answer', schema: health }, 503: { description: 'Something does not answer', schema: health } },
    errors: [],
  },
} satisfies Record<string, ApiRoute>;

export function healthRouter(db: Db, client: Client): Router {
  const router = Router();
  mount(router, healthRoutes.check, async (_req, res) => {
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
