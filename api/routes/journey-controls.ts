/**
 * What operators do to a journey while it runs: pause and resume it, narrow who enters it (rollout,
 * test mode), and take one customer out of it. Every API, router and worker process sees a change
 * within seconds (journey-controls/settings.ts).
 */
import { and, eq } from 'drizzle-orm';
import { Router } from 'express';
import type { Db } from '../../db/client';
import { changeJourneySettings, type JourneySettings, type JourneySettingsChange } from '../../db/queries/journey-settings';
import { customers, journeyRuns } from '../../db/schema';
import { HttpError, parse } from '../../lib/http-error';
import { logger } from '../../lib/logger';
import type { LifecycleDeps } from '../../lifecycle/deps';
import { exitRun } from '../../lifecycle/runs';
import { customerIdSchema } from '../../schemas/common';
import { exitAnswer, exitBody, journeyIdParam, journeySettingsAnswer, journeySettingsBody } from '../../schemas/journey-controls';
import { journeyControls } from '../../journey-controls/settings';
import { journeyById } from '../../workflows/registry';
import { customerTarget } from '../../audit/declare';
import { mount, type ApiRoute } from '../declared-route';
import { jsonBody } from '../json-body';

const settingsOk = { 200: { description: "The journey's settings now", schema: journeySettingsAnswer } };

export const journeyControlRoutes = {
  pause: {
    method: 'post',
    path: '/v1/journeys/{id}/pause',
    audit: { action: 'journey.pause', target: (req) => `journey:${req.params.id}` },
    summary: 'Pause a journey: new entries are refused (recorded as refused: paused) and running runs hold their sends until it is resumed',
    key: 'admin',
    params: { id: journeyIdParam },
    ok: settingsOk,
    errors: [400, 401, 403, 404],
  },
  resume: {
    method: 'post',
    path: '/v1/journeys/{id}/resume',
    audit: { action: 'journey.resume', target: (req) => `journey:${req.params.id}` },
    summary: 'Resume a paused journey: held sends go out, each once',
    key: 'admin',
    params: { id: journeyIdParam },
    ok: settingsOk,
    errors: [400, 401, 403, 404],
  },
  settings: {
    method: 'patch',
    path: '/v1/journeys/{id}',
    audit: { action: 'journey.settings', target: (req) => `journey:${req.params.id}` },
    summary: "Set an event-triggered journey's rollout share or test mode (only the listed customers enter)",
    key: 'admin',
    params: { id: journeyIdParam },
    body: { schema: journeySettingsBody },
    ok: settingsOk,
    errors: [400, 401, 403, 404],
  },
  exit: {
    method: 'post',
    path: '/v1/customers/{customerId}/journeys/{journey}/exit',
    audit: { action: 'journey.exit', target: (req) => customerTarget(String(req.params.customerId)) },
    summary: "Take a customer out of a journey: its running runs end, recorded as exited: operator: <reason>",
    key: 'admin',
    params: { customerId: customerIdSchema, journey: journeyIdParam },
    body: { schema: exitBody },
    ok: { 202: { description: 'The runs told to end', schema: exitAnswer } },
    errors: [400, 401, 403, 404],
  },
} satisfies Record<string, ApiRoute>;

const answer = (s: Pick<JourneySettings, 'journey' | 'paused' | 'rolloutPercent' | 'testRecipients'>) => ({
  journey: s.journey,
  paused: s.paused,
  rolloutPercent: s.rolloutPercent,
  testRecipients: s.testRecipients,
});

export function journeyControlsRouter(deps: Pick<LifecycleDeps, 'db' | 'client'>): Router {
  const router = Router();
  const { db } = deps;

  const journeyOf = (raw: unknown, field: string) => {
    const id = parse(journeyIdParam, raw, field);
    const wf = journeyById(id);
    if (!wf) throw new HttpError(404, 'not_found', `No journey ${id}`, field);
    return wf;
  };
  const change = async (id: string, to: JourneySettingsChange) => {
    const saved = await changeJourneySettings(db, id, to);
    // The change is committed: a failed re-read only delays this process's view to the next refresh (2 s).
    await journeyControls(db)
      .refresh()
      .catch((err: unknown) => logger.warn({ err, journey: id }, 'journey settings saved; this process sees them at its next refresh'));
    logger.info({ journey: id, change: to }, 'journey settings changed');
    return answer(saved);
  };

  mount(router, journeyControlRoutes.pause, async (req, res) => {
    res.json(await change(journeyOf(req.params.id, 'id').options.id, { paused: true }));
  });
  mount(router, journeyControlRoutes.resume, async (req, res) => {
    res.json(await change(journeyOf(req.params.id, 'id').options.id, { paused: false }));
  });
  mount(router, journeyControlRoutes.settings, jsonBody, async (req, res) => {
    const wf = journeyOf(req.params.id, 'id');
    const body = parse(journeySettingsBody, req.body ?? {});
    // Only the router's admission reads them; a campaign's runs have the campaign's own rollout and test mode.
    if (!wf.options.trigger) {
      const field = body.rolloutPercent !== undefined ? 'rolloutPercent' : 'testRecipients';
      throw new HttpError(400, 'invalid_request', `${field}: journey ${wf.options.id} is started by campaigns, not events; set it on the campaign`, field);
    }
    res.json(await change(wf.options.id, body));
  });
  mount(router, journeyControlRoutes.exit, jsonBody, async (req, res) => {
    const customerId = parse(customerIdSchema, req.params.customerId, 'customerId');
    const wf = journeyOf(req.params.journey, 'journey');
    const { reason } = parse(exitBody, req.body ?? {});
    const [customer] = await db.select({ id: customers.id }).from(customers).where(eq(customers.id, customerId));
    if (!customer) throw new HttpError(404, 'not_found', `Customer ${customerId} does not exist`, 'customerId');
    const running = await db
      .selectDistinct({ workflowId: journeyRuns.workflowId })
      .from(journeyRuns)
      .where(and(eq(journeyRuns.customerId, customerId), eq(journeyRuns.journey, wf.options.id), eq(journeyRuns.status, 'running')));
    const exited: string[] = [];
    for (const { workflowId } of running) if (await exitRun(deps, workflowId, reason)) exited.push(workflowId);
    if (!exited.length) throw new HttpError(404, 'not_found', `Customer ${customerId} has no running run of journey ${wf.options.id}`, 'journey');
    logger.info({ customerId, journey: wf.options.id, runs: exited.length }, 'customer taken out of a journey by an operator');
    res.status(202).json({ journey: wf.options.id, customerId, exited });
  });
  return router;
}
