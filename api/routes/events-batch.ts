/**
 * POST /v1/events/batch `{ events: [...] }`: up to 1,000 events, each checked, stored and routed like
 * a POST /v1/events of its own (routing/ingest-event.ts), answered item by item: one bad item does
 * not sink the others. A customer's events are taken in the batch's order; customers run side by
 * side. An id repeated within the batch is taken after the rest, so it answers as a duplicate (or a
 * conflict) of the first. Once Temporal has failed to answer, the remaining items are stored without
 * waiting on it again and answered 503 (the sweeper routes them): a batch should not take 1,000 × 5 s.
 */
import express, { Router } from 'express';
import type { z } from 'zod';
import type { LifecycleDeps } from '../../lifecycle/deps';
import { ingestEvent, ROUTING_DEADLINE_MS } from '../../routing/ingest-event';
import { requireScope } from '../auth';
import { parse, problemOf } from '../../lib/http-error';
import { BATCH_BODY_LIMIT, eventBatchAnswer, eventBatchEnvelope, eventBody, type EventInput } from '../../schemas/events';

/** Customers routed at once: each holds a database connection under its routing lock. */
const CUSTOMERS_IN_PARALLEL = 4;

type ItemResult = z.infer<typeof eventBatchAnswer>['results'][number];
type Item = { index: number; event: EventInput };

export function eventsBatchRouter(deps: LifecycleDeps): Router {
  const router = Router();
  // Its own body limit, above the API's default; mounted before the default JSON parser.
  router.post('/v1/events/batch', requireScope('ingest'), express.json({ limit: BATCH_BODY_LIMIT }), async (req, res) => {
    const { events: items } = parse(eventBatchEnvelope, req.body);
    const results: ItemResult[] = new Array(items.length);
    const byCustomer = new Map<string, Item[]>();
    const repeats: Item[] = [];
    const seen = new Set<string>();
    items.forEach((item, index) => {
      const parsed = eventBody.safeParse(item);
      if (!parsed.success) {
        const id = typeof (item as { id?: unknown })?.id === 'string' ? (item as { id: string }).id : undefined;
        results[index] = { index, ...(id ? { id } : {}), status: 400, error: { code: 'invalid_request', ...problemOf(parsed.error) } };
        return;
      }
      const event = parsed.data;
      if (seen.has(event.id)) return void repeats.push({ index, event });
      seen.add(event.id);
      const queue = byCustomer.get(event.customerId) ?? [];
      queue.push({ index, event });
      byCustomer.set(event.customerId, queue);
    });

    let temporalDown = false;
    const take = async ({ index, event }: Item) => {
      const outcome = await ingestEvent(deps, event, { deadline: temporalDown ? Date.now() : Date.now() + ROUTING_DEADLINE_MS });
      if (outcome.status === 503) temporalDown = true;
      results[index] = 'error' in outcome ? { index, id: event.id, status: outcome.status, error: outcome.error } : { index, status: outcome.status, ...outcome.answer };
    };
    const queues = [...byCustomer.values()];
    const workers = Array.from({ length: Math.min(CUSTOMERS_IN_PARALLEL, queues.length) }, async () => {
      for (let queue = queues.shift(); queue; queue = queues.shift()) for (const item of queue) await take(item);
    });
    await Promise.all(workers);
    for (const item of repeats) await take(item);
    res.json({ results });
  });
  return router;
}
