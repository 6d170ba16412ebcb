/** Small helpers the HTTP adapters share: which attempt this is, and how long a provider asks us to wait (backoff: lib/backoff.ts). */
import { asyncLocalStorage } from '@temporalio/activity';

/** The activity attempt (1 on the first try). Outside an activity (a script, a direct call) it is 1. */
export function currentAttempt(): number {
  return asyncLocalStorage.getStore()?.info.attempt ?? 1;
}

/** `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3), in ms; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
