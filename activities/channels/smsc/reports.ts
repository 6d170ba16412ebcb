/**
 * What SMSC says became of an SMS, by callback or by polling status.php (providers.md §2.3), in the
 * report vocabulary. Only final statuses are reports; a wrong number (22) suppresses the phone.
 * The event id leaves the phone out (the run's history should not carry it): we send one phone per
 * ledger id and applyReport checks the phone against the recipient anyway.
 */
import { SMSC_FINAL_STATUSES } from './adapter';
import type { ProviderReport } from '../../../reports/report';

export interface SmscStatusReport {
  /** Our ledger id, sent to SMSC as its client message id. */
  id: number;
  /** Digits, as SMSC writes them. */
  phone: string;
  status: number;
  err: number;
  at: Date;
  source: 'callback' | 'poll';
}

const STATUS_NAMES: Record<number, string> = {
  1: 'delivered',
  3: 'expired',
  20: 'cannot be delivered',
  22: 'wrong number',
  23: 'prohibited',
  24: 'insufficient funds',
  25: 'unreachable',
};

/** Undefined while the SMS is still on its way. */
export function smscReport(r: SmscStatusReport): ProviderReport | undefined {
  if (!SMSC_FINAL_STATUSES.has(r.status)) return undefined;
  const delivered = r.status === 1;
  return {
    provider: 'smsc',
    message: { ledgerId: r.id, recipientDigits: r.phone },
    type: delivered ? 'delivered' : 'failed',
    status: delivered ? 'delivered' : 'failed',
    eventId: `smsc:${r.id}:${r.status}`,
    occurredAt: r.at,
    detail: delivered ? undefined : { error: `SMSC status ${r.status} (${STATUS_NAMES[r.status] ?? 'unknown'}), err ${r.err}` },
    suppress: r.status === 22 ? { reason: 'invalid' } : undefined,
    payload: { status: r.status, err: r.err, source: r.source },
  };
}
