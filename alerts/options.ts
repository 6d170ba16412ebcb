/** How the alert evaluator is tuned, from the environment (lib/config.ts documents each variable). */
import type { Config } from '../lib/config';

export interface AlertOptions {
  /** How far back each rule looks, and how long a cause stays quiet after it alerted. */
  windowMs: number;
  /** A channel alerts above this share of failed sends… */
  failedShare: number;
  /** …once at least this many of its sends finished within the window. */
  minMessages: number;
  /** The chat webhook; without it alerts are only recorded (GET /v1/alerts). */
  webhookUrl?: string;
  /** How often the evaluator runs. */
  everyMs?: number;
  /** How long the chat webhook may take to answer. */
  postTimeoutMs?: number;
  /**
   * An event type alerts when its last hour fell below `share` of the same hour a week earlier, if
   * it had at least `minCount` then (rules/events-dropped.ts). Off without it.
   */
  eventsDrop?: { share: number; minCount: number };
  /**
   * A journey alerts when its delivery, open or click rate over the last day fell below `share` of
   * its rate over the 4 weeks before, with at least `minMessages` sent in each (rules/rate-dropped.ts). Off without it.
   */
  rateDrop?: { share: number; minMessages: number };
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** `90s`, `15m`, `1h` (the config schema has already checked the shape). */
export function durationMs(text: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${text}`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

export function alertOptionsFromConfig(config: Config): AlertOptions {
  return {
    windowMs: durationMs(config.CASCADE_ALERT_WINDOW),
    failedShare: config.CASCADE_ALERT_FAILED_SHARE,
    minMessages: config.CASCADE_ALERT_MIN_MESSAGES,
    webhookUrl: config.CASCADE_ALERT_WEBHOOK_URL,
    eventsDrop: { share: config.CASCADE_ALERT_EVENTS_DROP, minCount: config.CASCADE_ALERT_EVENTS_MIN },
    rateDrop: { share: config.CASCADE_ALERT_RATE_DROP, minMessages: config.CASCADE_ALERT_RATE_MIN_MESSAGES },
  };
}
