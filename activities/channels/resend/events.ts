/**
 * A verified Resend webhook (providers.md §1) in the report vocabulary. The svix-id is the event id:
 * Svix delivers at least once, and a redelivery carries the same id. Events about something other
 * than a sent email (contacts, domains) have no `data.email_id` and map to nothing.
 */
import { z } from 'zod';
import type { MessageStatus } from '../../../db/schema';
import type { ProviderReport } from '../../../reports/report';

const STATUS_OF: Record<string, MessageStatus> = {
  'email.delivered': 'delivered',
  'email.opened': 'opened',
  'email.clicked': 'clicked',
  'email.bounced': 'bounced',
  'email.complained': 'complained',
  'email.failed': 'failed',
  'email.suppressed': 'failed',
};

const tags = z.union([
  z.record(z.string(), z.unknown()),
  z.array(z.object({ name: z.string(), value: z.unknown() })).transform((list) => Object.fromEntries(list.map((t) => [t.name, t.value]))),
]);

export const resendEventSchema = z.object({
  type: z.string().min(1),
  created_at: z.string().optional(),
  data: z.looseObject({
    email_id: z.string().min(1).optional(),
    to: z.array(z.string()).optional(),
    tags: tags.optional(),
    bounce: z.looseObject({ type: z.string().optional(), message: z.string().optional() }).optional(),
    click: z.looseObject({ link: z.string().optional() }).optional(),
    failed: z.looseObject({ reason: z.string().optional() }).optional(),
  }),
});

export type ResendEvent = z.infer<typeof resendEventSchema>;

/** Undefined for an event that is not about a sent email. */
export function resendReport(event: ResendEvent, svixId: string): ProviderReport | undefined {
  const { data } = event;
  if (!data.email_id) return undefined;
  const status = STATUS_OF[event.type];
  const tagged = Number(data.tags?.message_id);
  const reason = status === 'complained' ? 'complaint' : status === 'bounced' && data.bounce?.type === 'Permanent' ? 'hard_bounce' : undefined;
  return {
    provider: 'resend',
    message: { ledgerId: Number.isSafeInteger(tagged) ? tagged : undefined, providerMessageId: data.email_id },
    type: event.type,
    status,
    eventId: `resend:${svixId}`,
    occurredAt: parseDate(event.created_at) ?? new Date(),
    detail: {
      link: data.click?.link,
      bounceType: data.bounce?.type,
      error: status === 'failed' ? `Resend ${event.type}: ${data.failed?.reason ?? 'no reason given'}` : undefined,
    },
    suppress: reason ? { reason, address: data.to?.[0] } : undefined,
    payload: event,
  };
}

function parseDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
