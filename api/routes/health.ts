/** GET /healthz: 200 when Postgres and Temporal answer, 503 naming what does not. */
import type { Client } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { Router } from 'express';
import type { Db } from '../../db/client';

async function probe(check: () => Promise<unknown>, timeoutMs = 2000): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs))),
    ]);
    return 'ok';
  } catch (err) {
    return (err as Error).message;
  } finally {
    clearTimeout(timer);
  }
}

export function healthRouter(db: Db, client: Client): Router {
  const router = Router();
  router.get('/healthz', async (_req, res) => {
    const [database, temporal] = await Promise.all([
      probe(() => db.execute(sql`select 1`)),
      probe(() => client.workflowService.getSystemInfo({})),
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
