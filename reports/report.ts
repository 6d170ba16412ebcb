/**
 * The one vocabulary every provider's report is mapped to before it touches the ledger: a Resend
 * webhook, an SMSC callback and an SMSC status poll all become a ProviderReport, and applyReport()
 * is the only code that turns one into ledger, suppression and signal changes.
 */
import type { SuppressionReason } from '../contactability/suppressions';
import type { MessageStatus } from '../db/schema';

export interface ProviderReport {
  /** The adapter that carried the message (messages.provider): resend, smsc. */
  provider: string;
  /**
   * Which message: our ledger id when the provider hands it back (an SMSC id, a Resend tag), and/or
   * the provider's own id. With both, the ledger id is believed only while the row has no provider
   * id yet or the same one. `recipientDigits`, when given, must match the row's recipient.
   */
  message: { ledgerId?: number; providerMessageId?: string; recipientDigits?: string };
  /** The provider's name for what happened (email.opened, delivered…), kept on the timeline. */
  type: string;
  /** The new status in the ledger's vocabulary; absent for events kept only for the timeline. */
  status?: MessageStatus;
  /**
   * Unique per provider report: the dedupe key (message_events) and the id the run sees on its
   * `message.<status>` event, so a redelivered report changes nothing and signals nothing twice.
   */
  eventId: string;
  occurredAt: Date;
  detail?: { link?: string; bounceType?: string; error?: string };
  /** The address goes on the suppression list (hard bounce, complaint, wrong number). */
  suppress?: { reason: SuppressionReason; address?: string };
  /** What the provider sent, as stored on the message's timeline. */
  payload: Record<string, unknown>;
}

export type ReportOutcome = 'applied' | 'duplicate' | 'unknown_message';
