/**
 * The email-health warnings (analytics/email-health.ts: inactive share over 2 %, complaints over
 * 0.1 %) as alerts, so they reach the team's chat and not only the dashboard's banner. Those rates
 * are over 7 and 30 days: the cause alerts once a day while it lasts.
 */
import { emailHealth } from '../../analytics/email-health';
import type { AlertRule } from './finding';

const DAY = 86_400_000;

export const emailHealthWarnings: AlertRule = async (db, { now, options }) => {
  const { warnings } = await emailHealth(db, { now });
  return warnings.map((w) => ({
    cause: `email-health:${w.rule}`,
    severity: 'warning' as const,
    summary: `Email health: ${w.message}`,
    detail: { rule: w.rule, value: w.value, threshold: w.threshold, whatToDo: w.whatToDo },
    windowMs: Math.max(DAY, options.windowMs),
  }));
};
