/**
 * `j`, what a journey body works with. Every primitive is a thin layer over the Temporal SDK, in a
 * file of its own under primitives/ over the run's state (run-state.ts); this file only wires them:
 *
 *   await j.send({ channel: 'email', template: 'welcome-1', step: 'welcome-1' }); // sent | skipped | failed
 *   await j.sendFirstAvailable(['push', 'email', 'webhook', 'sms'], { template: 'birthday', step: 'birthday' });
 *   await j.sleep('3 days');
 *   await j.sleepUntil('10:00');                                           // customer's local time
 *   await j.sleepUntil('10:00', { on: '2027-06-15' });                     // that local date
 *   await j.sleepUntilElapsed('3 days');                                   // since the body (re)started
 *   const order = await j.waitFor('order.placed', { timeout: '2 days' });  // the event, or null
 *   const seen = await j.waitFor(opensOrClicks([email, push]), { timeout: '2 days' }); // any of several
 *   if (await j.openedWithin('email', '90 days')) return 'reads email';    // ends "completed: reads email"
 *   const subject = await j.variant('subject-test', ['a', 'b']);           // stable per customer, recorded
 *   if (j.patched('cart-four-letters')) return fourLetters(j);            // false for runs started before it
 */
import type { Duration } from '@temporalio/common';
import { patched } from '@temporalio/workflow';
import type { Channel, JourneyEvent, Profile, RunStatus, SendResult } from '../contract';
import type { LocalTime } from './local-time';
import type { EventSpec } from './options';
import { sendFirstAvailable } from './primitives/first-available';
import { openedWithin } from './primitives/opened-within';
import { refreshCustomer } from './primitives/profile';
import { promoCode } from './primitives/promo-code';
import { send, type SendOptions } from './primitives/send';
import { sleep, sleepUntil, sleepUntilElapsed, sleepUntilInstant } from './primitives/sleep';
import { variant } from './primitives/variant';
import { waitFor } from './primitives/wait-for';
import { createRunState, recordVariants, restart, type RunState } from './run-state';

export interface JourneyContext {
  readonly customer: Profile;
  /** The event that started the run, or the restart event that started the body over. */
  readonly trigger: JourneyEvent | undefined;
  readonly key: string | undefined;
  /** Increases when a restart event starts the body over. */
  readonly epoch: number;
  send(opts: SendOptions): Promise<SendResult>;
  /**
   * Tries the channels in order and stops at the first that sends. Re-reads the profile first;
   * a channel the customer cannot be reached on is tried at once (the ledger says why it was
   * skipped) instead of waiting out quiet hours for nothing.
   */
  sendFirstAvailable(channels: Channel[], opts: Omit<SendOptions, 'channel'>): Promise<SendResult>;
  sleep(duration: Duration): Promise<void>;
  /**
   * Sleeps until the customer's clock shows `at` ("10:00"): next time, or on the local date `on`
   * ("2027-06-15"). With `on`, returns false if that date is already over where the customer is,
   * and true (at once) if it is that day but past `at`.
   */
  sleepUntil(at: string | LocalTime, opts?: { on?: string }): Promise<boolean>;
  /** Sleeps until an absolute instant (ISO string or epoch ms); returns at once if it has passed. */
  sleepUntilInstant(when: string | number): Promise<void>;
  /** Sleeps until `duration` after the body (re)started: "3 days after the last cart change". */
  sleepUntilElapsed(duration: Duration): Promise<void>;
  /** The first buffered or arriving event matching the spec (or any of the specs), or null after the timeout. */
  waitFor(spec: EventSpec | EventSpec[], opts: { timeout: Duration }): Promise<JourneyEvent | null>;
  /** A promo code made once per call site from the SDK's deterministic randomness: `WELCOME-7F3K9Q`. */
  promoCode(prefix: string): string;
  /** Re-reads the profile (consents, orders) for a decision made long after the run started. */
  refreshCustomer(): Promise<Profile>;
  /** Did the customer open or click any message on `channel` within the last `within`? */
  openedWithin(channel: Channel, within: Duration): Promise<boolean>;
  /**
   * The customer's variant of an A/B experiment: equal shares from a list, or weights
   * (`{ a: 90, b: 10 }`). A hash of journey, experiment and customer: the same answer on replay,
   * after continue-as-new and in the customer's next run. Recorded on the run, and on every message
   * sent after it, for per-variant results (analytics/experiments.ts).
   */
  variant<V extends string>(experiment: string, variants: readonly V[] | Readonly<Record<V, number>>): Promise<V>;
  /**
   * Has this run reached the code change named `change`? Temporal's `patched()`: true for a run
   * that meets the change live, false for one replaying a history from before it, so a body can
   * change its steps without breaking runs in flight (test/replay.test.ts checks).
   */
  patched(change: string): boolean;
}

export interface RunContext extends JourneyContext {
  readonly status: RunStatus;
  /** The variants chosen so far, carried across continue-as-new. */
  readonly variants: Record<string, string>;
  /** Writes the variants no write of the run has carried yet (run-state.ts). */
  recordVariants(): Promise<void>;
  readonly bodyStartedAt: number;
  restart(event: JourneyEvent): void;
}

export function createContext(args: Parameters<typeof createRunState>[0]): RunContext {
  const run: RunState = createRunState(args);
  return {
    get customer() {
      return run.customer;
    },
    get trigger() {
      return run.trigger;
    },
    key: run.input.key,
    get epoch() {
      return run.epoch;
    },
    get bodyStartedAt() {
      return run.bodyStartedAt;
    },
    status: run.status,
    variants: run.variants,
    recordVariants: () => recordVariants(run),
    restart: (event) => restart(run, event),
    send: (opts) => send(run, opts),
    sendFirstAvailable: (channels, opts) => sendFirstAvailable(run, channels, opts),
    sleep: (duration) => sleep(run, duration),
    sleepUntil: (at, opts) => sleepUntil(run, at, opts),
    sleepUntilInstant: (when) => sleepUntilInstant(run, when),
    sleepUntilElapsed: (duration) => sleepUntilElapsed(run, duration),
    waitFor: (spec, opts) => waitFor(run, spec, opts),
    promoCode: (prefix) => promoCode(run, prefix),
    refreshCustomer: () => refreshCustomer(run),
    openedWithin: (channel, within) => openedWithin(run, channel, within),
    variant: (experiment, choices) => variant(run, experiment, choices),
    patched: (change) => patched(change),
  };
}
