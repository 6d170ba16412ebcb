/**
 * POST /v1/events/batch `{ events: [...] }`: up to 1,000 events, each checked like a POST /v1/events
 * of its own (routing/ingest-event.ts) and answered in place: one bad item does not sink the others.
 * The good ones are stored in one write, in the batch's order, so the router takes each customer's
 * events in the order the batch lists them; an id repeated within the batch answers as a duplicate
 * (or a conflict) of the first.
 *
 * With `?wait=routed`, each item is routed before the answer: customers side by side, a customer's
 * items in order. Once Temporal has failed to answer, the remaining items are answered 503 without
 * waiting on it again (the router routes them): a batch should not take 1,000 × 5 s.
 */
import express, { Router } from 'express';
import type { z } from 'zod';
import type { LifecycleDeps } from '../../lifecycle/deps';
import { answerStored, checkEvent, ROUTING_DEADLINE_MS } from '../../routing/ingest-event';
import { storeEvents, type EventToStore, type Stored } from '../../routing/store-events';
import { wakeRouters } from '../../routing/router';
import { inParallel } from '../../lib/in-parallel';
import { parse, problemOf } from '../../lib/http-error';
import { BATCH_BODY_LIMIT, eventBatchAnswer, eventBatchEnvelope, eventBody, eventQuery, eventBatchBody } from '../../schemas/events';
import { mount, type ApiRoute } from '../declared-route';

/** Customers routed at once under ?wait=routed: each holds a database connection under its routing lock. */
const CUSTOMERS_IN_PARALLEL = 4;

type ItemResult = z.infer<typeof eventBatchAnswer>['results'][number];
type Item = { index: number; event: EventToStore; stored?: Stored };

export const eventBatchRoutes = {
  batch: {
    method: 'post',
    path: '/v1/events/batch',
    summary: 'Up to 1,000 events, each taken like POST /v1/events and answered item by item',
    key: 'ingest',
    query: eventQuery,
    body: { schema: eventBatchBody, description: `At most ${BATCH_BODY_LIMIT}` },
    ok: { 200: { description: 'One result per item, in order; each item has the status a POST /v1/events would have', schema: eventBatchAnswer } },
    errors: [400, 401, 413],
  },
} satisfies Record<string, ApiRoute>;

export function eventsBatchRouter(deps: LifecycleDeps): Router {
  const router = Router();
  // Its own body limit, above the API's default; mounted before the default JSON parser.
  mount(router, eventBatchRoutes.batch, express.json({ limit: BATCH_BODY_LIMIT }), async (req, res) => {
    const { wait } = parse(eventQuery, req.query, 'query');
    const { events: items } = parse(eventBatchEnvelope, req.body);
    const results: ItemResult[] = new Array(items.length);
    const good: Item[] = [];
    items.forEach((item, index) => {
      const parsed = eventBody.safeParse(item);
      const id = typeof (item as { id?: unknown })?.id === 'string' ? (item as { id: string }).id : undefined;
      if (!parsed.success) {
        results[index] = { index, ...(id ? { id } : {}), status: 400, error: { code: 'invalid_request', ...problemOf(parsed.error) } };
        return;
      }
      const checked = checkEvent(parsed.data);
      if (!checked.ok) {
        const { outcome } = checked;
        if ('error' in outcome) results[index] = { index, id: parsed.data.id, status: outcome.status, error: outcome.error };
        return;
      }
      good.push({ index, event: checked.event });
    });
    if (good.length) {
      const stored = await storeEvents(deps.db, good.map((g) => g.event));
      good.forEach((g, i) => (g.stored = stored[i]));
    }

    let temporalDown = false;
    const answer = async ({ index, event, stored }: Item) => {
      const outcome = await answerStored(deps, event, stored!, {
        wait: wait === 'routed',
        deadline: temporalDown ? Date.now() : Date.now() + ROUTING_DEADLINE_MS,
      });
      if (outcome.status === 503) temporalDown = true;
      results[index] = 'error' in outcome ? { index, id: event.id, status: outcome.status, error: outcome.error } : { index, status: outcome.status, ...outcome.answer };
    };
    if (wait === 'routed') {
      const byCustomer = new Map<string, Item[]>();
      for (const item of good) byCustomer.set(item.event.customerId, [...(byCustomer.get(item.event.customerId) ?? []), item]);
      await inParallel([...byCustomer.values()], CUSTOMERS_IN_PARALLEL, async (queue) => {
        for (const item of queue) await answer(item);
      });
    } else {
      for (const item of good) await answer(item);
      wakeRouters();
    }
    res.json({ results });
  });
  return router;
}
