/** GET /v1/journeys, /v1/journeys/:id: each journey as its code draws it (journey-map/), with where its customers are. */
import { z } from 'zod';
import { channels } from '../workflows/contract';

const channel = z.enum(channels);

export const journeyStep = z.object({
  id: z.string().meta({ description: "A send's step id; other steps are numbered per kind along the graph (sleep-1, wait-1, branch-1, variant-1)" }),
  kind: z.enum(['send', 'wait', 'sleep', 'branch', 'variant']),
  channel: channel.optional(),
  channels: z.array(channel).optional().meta({ description: 'sendFirstAvailable: the channels in the order tried' }),
  template: z.string().optional(),
  label: z.string().optional().meta({ description: 'What a sleep, wait, branch or variant is for: "1 day", "order.placed within 2 days"' }),
  next: z.array(z.string()).meta({ description: 'The following steps, each once, in outcome order; empty where the run ends' }),
  outcomes: z
    .array(z.object({ label: z.string(), next: z.string().nullable().meta({ description: 'null: the run ends' }) }))
    .optional()
    .meta({ description: 'A decision\'s outcomes (wait: event, timeout; branch: yes, no; variant: each variant)' }),
});

const stepCounts = z.object({
  waiting: z.number().int().meta({ description: 'Running runs at this step now (Temporal visibility: the latest step they reached; runs yet to send count at the first step)' }),
  sent: z.number().int().meta({ description: "This step's messages that reached the provider (the ledger)" }),
  converted: z.number().int().meta({ description: 'Converted runs whose last sent message before converting was this step\'s' }),
});

export const journeyView = z.object({
  id: z.string(),
  topic: z.string().nullable().meta({ description: 'The marketing topic; null for a transactional journey' }),
  trigger: z.string().nullable().meta({ description: 'The event type that starts a run; null for journeys started by a campaign or audience' }),
  paused: z.boolean(),
  steps: z.array(journeyStep).meta({ description: 'Empty until a worker has drawn the graph' }),
  start: z.string().nullable().meta({ description: 'The first step' }),
  counts: z.record(z.string(), stepCounts).meta({ description: 'Per step id' }),
  graphRecordedAt: z.string().nullable().meta({ description: 'When a worker drew the graph from the code it runs; null: not yet' }),
});

export const journeysAnswer = z.array(journeyView);
