/**
 * GET /v1/customers/:customerId/timeline?limit=: events, runs, messages and provider reports in one
 * order, newest first: what support looks at when a customer says "I got nothing". A running run
 * also says where it is and what it waits for, asked of the run itself (its `status` query) within
 * a short deadline; a run that does not answer in time is listed without it.
 */
import type { Client } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { Router } from 'express';
import type { Db } from '../../db/client';
import { timelineRows } from '../../db/queries/timeline';
import { customers } from '../../db/schema';
import { logger } from '../../lib/logger';
import { statusQuery, type RunStatus } from '../../workflows/contract';
import { HttpError, parse } from '../../lib/http-error';
import { customerIdSchema } from '../../schemas/common';
import { timelineQuery, type TimelineItem, timelineAnswer } from '../../schemas/timeline';
import { mount, type ApiRoute } from '../declared-route';

const STATUS_QUERY_DEADLINE_MS = 2_000;

export const timelineRoutes = {
  timeline: {
    method: 'get',
    path: '/v1/customers/{customerId}/timeline',
    summary: 'Events, runs (started, waiting for what, ended why), messages and provider reports, newest first',
    key: 'read',
    query: timelineQuery,
    ok: { 200: { description: 'The timeline', schema: timelineAnswer } },
    errors: [400, 401, 404],
  },
} satisfies Record<string, ApiRoute>;

export function timelineRouter(deps: { db: Db; client: Client }): Router {
  const router = Router();
  mount(router, timelineRoutes.timeline, async (req, res) => {
    const id = parse(customerIdSchema, req.params.customerId, 'customerId');
    const { limit } = parse(timelineQuery, req.query);
    const [customer] = await deps.db.select({ id: customers.id }).from(customers).where(eq(customers.id, id));
    if (!customer) throw new HttpError(404, 'not_found', `Customer ${id} does not exist`, 'customerId');
    const { eventRows, runRows, messageRows, reportRows } = await timelineRows(deps.db, id, limit);
    const running = runRows.filter((r) => r.status === 'running');
    const statuses = new Map(await Promise.all(running.map(async (r) => [r.runId, await runStatus(deps.client, r.workflowId, r.runId)] as const)));

    const items: TimelineItem[] = [];
    for (const e of eventRows) {
      items.push({
        at: e.receivedAt.toISOString(),
        kind: 'event',
        id: e.id,
        type: e.type,
        properties: e.properties,
        occurredAt: e.occurredAt.toISOString(),
        routing: e.deadLetteredAt ? 'dead-lettered' : e.routedAt ? 'routed' : 'pending',
        ...(e.routedTo ? { routedTo: e.routedTo } : {}),
        routingAttempts: e.routingAttempts,
        ...(e.routingError ? { routingError: e.routingError } : {}),
      });
    }
    for (const r of runRows) {
      const run = { runId: r.runId, workflowId: r.workflowId, journey: r.journey, status: r.status, ...(r.triggerEventId ? { triggerEventId: r.triggerEventId } : {}) };
      const status = statuses.get(r.runId);
      items.push({ at: r.startedAt.toISOString(), kind: 'run', phase: 'started', ...run, ...(status ? { step: status.step, waiting: status.waiting } : {}) });
      if (r.endedAt) {
        items.push({ at: r.endedAt.toISOString(), kind: 'run', phase: 'ended', ...run, ...(r.endReason ? { reason: r.endReason } : {}), converted: r.convertedAt !== null });
      }
    }
    for (const m of messageRows) {
      const { requestedAt, updatedAt: _updatedAt, skipReason, error, ...rest } = m;
      items.push({ at: requestedAt.toISOString(), kind: 'message', ...rest, ...(skipReason ? { skipReason } : {}), ...(error ? { error } : {}) });
    }
    for (const r of reportRows) {
      items.push({ at: r.occurredAt.toISOString(), kind: 'report', messageId: r.messageId, type: r.type, channel: r.channel, provider: r.provider, template: r.template, detail: r.payload });
    }
    // Ties (a run's start and the event that triggered it) keep a stable order: the later stage first.
    const stage = { report: 0, message: 1, run: 2, event: 3 } as const;
    items.sort((a, b) => b.at.localeCompare(a.at) || stage[a.kind] - stage[b.kind]);
    res.json({ customerId: id, items: items.slice(0, limit) });
  });
  return router;
}

async function runStatus(client: Client, workflowId: string, runId: string): Promise<RunStatus | undefined> {
  try {
    return await client.withDeadline(Date.now() + STATUS_QUERY_DEADLINE_MS, () => client.workflow.getHandle(workflowId).query(statusQuery));
  } catch (err) {
    logger.warn({ workflowId, runId, err }, 'timeline: run status query failed');
    return undefined;
  }
}
