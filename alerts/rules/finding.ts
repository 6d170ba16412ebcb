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
}

export type AlertRule = (db: Db, window: { since: Date; options: AlertOptions }) => Promise<Finding[]>;

export const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;
