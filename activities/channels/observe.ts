/**
 * Provider calls as the metrics see them: each timed, each failure counted by what the send
 * pipeline will do with it (a permanent error is never retried; anything else is).
 */
import { providerErrors, providerLatency } from '../../metrics/registry';
import { PermanentSendError } from './types';

export type ErrorClass = 'transient' | 'permanent' | 'invalid_contact';

/** What the send pipeline does with an adapter's error: anything not permanent is retried. */
export function errorClassOf(err: unknown): ErrorClass {
  if (err instanceof PermanentSendError) return err.invalidContact ? 'invalid_contact' : 'permanent';
  return 'transient';
}

/** Times one provider call and counts its failure by class; the call's answer or error passes through. */
export async function observeProviderCall<T>(provider: string, channel: string, call: () => Promise<T>): Promise<T> {
  const end = providerLatency.startTimer({ provider, channel });
  try {
    const answer = await call();
    end({ outcome: 'ok' });
    return answer;
  } catch (err) {
    end({ outcome: 'error' });
    providerErrors.inc({ provider, channel, class: errorClassOf(err) });
    throw err;
  }
}
