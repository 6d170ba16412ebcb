/** GET /v1/customers/:customerId/timeline: what happened to a customer, newest first. */
import { z } from 'zod';

export const timelineQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(500).default(100).meta({ description: 'Items to return (newest first)' }) })
  .strict();

const at = z.string().meta({ description: 'ISO 8601, UTC' });

const eventItem = z.object({
  at,
  kind: z.literal('event'),
  id: z.string(),
  type: z.string(),
  properties: z.record(z.string(), z.unknown()),
  occurredAt: z.string(),
  routing: z.enum(['routed', 'pending', 'dead-lettered']).meta({ description: 'pending: the sweeper retries it' }),
  routedTo: z.array(z.string()).optional(),
  routingAttempts: z.number().int(),
  routingError: z.string().optional(),
});

const runItem = z.object({
  at,
  kind: z.literal('run'),
  phase: z.enum(['started', 'ended']),
  runId: z.string(),
  workflowId: z.string(),
  journey: z.string(),
  status: z.string().meta({ description: 'running, completed, exited, failed, refused, terminated, timed_out, cancelled' }),
  triggerEventId: z.string().optional(),
  reason: z.string().optional().meta({ description: 'Why it ended' }),
  converted: z.boolean().optional(),
  step: z.string().optional().meta({ description: 'Where a running run is (its status query)' }),
  waiting: z
    .object({ for: z.enum(['time', 'event', 'nothing']), event: z.string().optional(), until: z.string().optional() })
    .optional()
    .meta({ description: 'What a running run waits for (its status query; absent when Temporal did not answer in time)' }),
});

const messageItem = z.object({
  at,
  kind: z.literal('message'),
  id: z.number().int(),
  workflowId: z.string(),
  journey: z.string(),
  step: z.string(),
  channel: z.string(),
  provider: z.string(),
  template: z.string(),
  status: z.string(),
  skipReason: z.string().optional(),
  error: z.string().optional(),
});

const reportItem = z.object({
  at,
  kind: z.literal('report'),
  messageId: z.number().int(),
  type: z.string().meta({ description: 'The provider report: message.delivered, message.bounced…' }),
  channel: z.string(),
  provider: z.string(),
  template: z.string(),
  detail: z.record(z.string(), z.unknown()),
});

export const timelineItem = z.discriminatedUnion('kind', [eventItem, runItem, messageItem, reportItem]);
export type TimelineItem = z.infer<typeof timelineItem>;

export const timelineAnswer = z.object({ customerId: z.string(), items: z.array(timelineItem) });
