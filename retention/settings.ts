/** How long each kind of data is kept, from the environment (lib/config.ts documents each variable). */
import type { Config } from '../lib/config';

/** Days each kind is kept; null keeps it for ever. */
export interface RetentionSettings {
  inertEventDays: number | null;
  routedEventDays: number | null;
  messageBodyDays: number | null;
}

export const retentionFromConfig = (c: Config): RetentionSettings => ({
  inertEventDays: c.CASCADE_RETENTION_INERT_EVENTS,
  routedEventDays: c.CASCADE_RETENTION_ROUTED_EVENTS,
  messageBodyDays: c.CASCADE_RETENTION_MESSAGE_BODIES,
});

export const DAY_MS = 86_400_000;

/** The moment before which data kept `days` is past its retention; null for ever. */
export const cutoff = (now: Date, days: number | null): Date | null => (days === null ? null : new Date(now.getTime() - days * DAY_MS));

export const describeDays = (days: number | null): string => (days === null ? 'forever' : `${days} days`);
