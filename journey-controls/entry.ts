/** Whether an operator's settings let a customer into a journey now; the reason it is refused otherwise. */
import { inRollout } from '../workflows/bucket';
import type { JourneyControl } from './settings';

export function refusedEntry(control: JourneyControl, journey: string, customerId: string): string | undefined {
  if (control.paused) return 'refused: paused';
  if (control.testRecipients) return control.testRecipients.includes(customerId) ? undefined : 'refused: test mode (not a test recipient)';
  if (!inRollout(`journey:${journey}`, customerId, control.rolloutPercent)) return `refused: outside the ${control.rolloutPercent}% rollout`;
  return undefined;
}
