/**
 * GET /v1/doctor: every doctor check against this API process's own database, Temporal client and
 * environment. 200 even when checks fail (the call worked; `ok` and each check say the rest).
 */
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import type { Db } from '../../db/client';
import { doctorContextForApi } from '../../doctor/context';
import { providerChecks } from '../../activities/channels';
import { exitCode, runDoctor } from '../../doctor/run';
import { doctorAnswer } from '../../schemas/doctor';
import { mount, type ApiRoute } from '../declared-route';

export const doctorRoutes = {
  run: {
    method: 'get',
    path: '/v1/doctor',
    summary: "The doctor's preflight checks, from inside the API process",
    key: 'admin',
    ok: { 200: { description: 'Every check (200 even when some fail)', schema: doctorAnswer } },
    errors: [401, 403],
  },
} satisfies Record<string, ApiRoute>;

export function doctorRouter(deps: { db: Db; client: Client; taskQueue: string }): Router {
  const router = Router();
  // Admin only: the answer describes the configuration (providers, DNS, what is set).
  mount(router, doctorRoutes.run, async (_req, res) => {
    const checks = await runDoctor(doctorContextForApi(deps), providerChecks);
    res.set('cache-control', 'no-store').json({ ok: exitCode(checks) === 0, checks });
  });
  return router;
}
