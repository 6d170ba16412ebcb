/** The one interface every channel adapter implements, and the two ways a send can fail. */
import type { Channel } from '../../workflows/contract';

export interface OutgoingMessage {
  /** Ledger id; SMSC uses it as its numeric client id. */
  messageId: number;
  idempotencyKey: string;
  channel: Channel;
  customerId: string;
  /** Email address, E.164 phone, push token or webhook URL. */
  to: string;
  subject: string | null;
  body: string;
  /** Marketing email gets List-Unsubscribe headers; transactional mail does not. */
  transactional: boolean;
  unsubscribeUrl: string | null;
  template: string;
  /**
   * The ledger already held this message, pending, when this attempt began: an earlier attempt may
   * have reached the provider. Known from the ledger, not the attempt number, which starts again at
   * 1 when a local activity runs anew after a crash or a send moves on to its regular activity.
   */
  attemptedBefore: boolean;
}

export interface Delivery {
  provider: string;
  providerMessageId: string;
}

export interface ChannelAdapter {
  readonly provider: string;
  send(message: OutgoingMessage): Promise<Delivery>;
}

/** The provider will never accept this message: retrying is pointless. */
export class PermanentSendError extends Error {
  constructor(
    message: string,
    /** The address itself is bad: the journey sees `skipped: invalid_contact` and it is suppressed. */
    readonly invalidContact = false,
  ) {
    super(message);
    this.name = 'PermanentSendError';
  }
}

/** An outage, a rate limit, a timeout: retry later under the same idempotency key. */
export class TransientSendError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'TransientSendError';
  }
}

export type AccountProblem = 'auth' | 'quota';

/** Stable markers in the error text the ledger keeps, which the alert rules look for (alerts/rules/provider-account.ts). */
export const ACCOUNT_PROBLEM_MARKERS: Record<AccountProblem, string> = { auth: '[provider:auth]', quota: '[provider:quota]' };

/** The provider refuses our account (credentials, quota, balance): every send fails until someone acts. */
export class ProviderAccountError extends PermanentSendError {
  constructor(
    message: string,
    readonly problem: AccountProblem,
  ) {
    super(`${message} ${ACCOUNT_PROBLEM_MARKERS[problem]}`);
    this.name = 'ProviderAccountError';
  }
}
