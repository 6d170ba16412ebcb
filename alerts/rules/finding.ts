/** What an alert rule reports: one finding per cause that is over its threshold now. */
import type { Db } from '../../db/client';
import type { AlertOptions } from '../options';

export interface Finding {
  /** Stable across windows: `channel-failures:email`, `provider-auth:resend`, `runs-failed`, `dead-letters`. */
  cause: string;
  severity: 'warning' | 'critical';
  /** One line for the chat message. */
  summary: string;
  /** Counts and breakdowns; never customer ids or addresses. */
  detail: Record<string, unknown>;
  /**
   * The window this cause alerts at most once in, for a rule that measures over longer than the
   * evaluator's window (an hour, a day): a rate over the last day stays low all day, and would
   * otherwise page every window of it. The evaluator's window when absent.
   */
  windowMs?: number;
}

export type AlertRule = (db: Db, window: { since: Date; now: Date; options: AlertOptions }) => Promise<Finding[]>;

export const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;
