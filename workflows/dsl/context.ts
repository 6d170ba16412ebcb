/**
 * `j`, what a journey body works with. Every primitive is a thin layer over the Temporal SDK:
 *
 *   await j.send({ channel: 'email', template: 'welcome-1' });          // sent | skipped (reason) | failed (error)
 *   await j.sendFirstAvailable(['push', 'email', 'webhook', 'sms'], { template: 'birthday' });
 *   await j.sleep('3 days');
 *   await j.sleepUntil('10:00');                                           // customer's local time
 *   await j.sleepUntil('10:00', { on: '2027-06-15' });                     // that local date
 *   await j.sleepUntilElapsed('3 days');                                   // since the body (re)started
 *   const order = await j.waitFor('order.placed', { timeout: '2 days' });  // the event, or null
 *   const seen = await j.waitFor(opensOrClicks([email, push]), { timeout: '2 days' }); // any of several
 *   if (await j.openedWithin('email', '90 days')) return 'reads email';    // ends "completed: reads email"
 */
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  sleep as wfSleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { dataActivities, sendActivityFor } from './activities';
import type { Inbox, EventSpec } from './events';
import type { JourneyOptions } from './journey';
import { localDateTime, nextLocalTime, parseLocalTime, quietUntil, type LocalTime } from './local-time';
import { JourneyAttribute, StepAttribute } from '../contract';
import type { Channel, JourneyEvent, JourneyInput, Profile, RunStatus, SendResult } from '../contract';

/** Marketing SMS and push wait out the night; email does not wake anyone, so it goes at once. */
const QUIET_FROM = parseLocalTime('21:00');
const QUIET_TO = parseLocalTime('09:00');
const QUIET_CHANNELS: Channel[] = ['sms', 'push'];

export interface SendOptions {
  channel: Channel;
  template: string;
  /** Stable step id; defaults to the template. Must be unique within a run (per restart). */
  step?: string;
  /** Merged into the template data next to the customer profile. */
  data?: Record<string, unknown>;
  /** defer (default): sleep to 09:00 local; skip: return skipped 'quiet_hours'; ignore: send now. */
  quietHours?: 'defer' | 'skip' | 'ignore';
}

export interface JourneyContext {
  readonly customer: Profile;
  /** The event that started the run, or the restart event that started the body over. */
  readonly trigger: JourneyEvent | undefined;
  readonly key: string | undefined;
  /** Increases when a restart event starts the body over. */
  readonly epoch: number;
  readonly status: RunStatus;
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
}

export interface RunContext extends JourneyContext {
  onSent: () => void;
  restart(event: JourneyEvent): void;
}

export function createContext(args: {
  options: JourneyOptions;
  input: JourneyInput;
  inbox: Inbox;
  customer: Profile;
}): RunContext {
  const { options, input, inbox } = args;
  const info = workflowInfo();
  let epoch = input.carried?.epoch ?? 0;
  let customer = args.customer;
  let trigger = input.trigger;
  let bodyStartedAt = Date.now();
  let usedSteps = new Set<string>();
  const status: RunStatus = {
    journey: options.id,
    customerId: input.customerId,
    key: input.key,
    step: 'start',
    waiting: { for: 'nothing' },
    sent: [],
    converted: false,
  };

  const setWaiting = (w: RunStatus['waiting']) => (status.waiting = w);

  const sleepMs = async (ms: number) => {
    if (ms <= 0) return;
    setWaiting({ for: 'time', until: new Date(Date.now() + ms).toISOString() });
    await wfSleep(ms);
    setWaiting({ for: 'nothing' });
  };

  const ctx: RunContext = {
    get customer() {
      return customer;
    },
    get trigger() {
      return trigger;
    },
    key: input.key,
    get epoch() {
      return epoch;
    },
    status,
    onSent: () => {},
    restart(event) {
      epoch += 1;
      trigger = event;
      bodyStartedAt = Date.now();
      usedSteps = new Set();
      status.step = 'restarted';
    },

    async send(opts) {
      const step = opts.step ?? opts.template;
      if (usedSteps.has(step)) {
        throw ApplicationFailure.nonRetryable(`Step id "${step}" is used twice in journey ${options.id}; give each send its own step`);
      }
      usedSteps.add(step);
      status.step = step;
      // Runs started through Cascade carry the search attributes; a bare test server has none defined.
      if (info.typedSearchAttributes.get(JourneyAttribute) !== undefined) {
        upsertSearchAttributes([{ key: StepAttribute, value: step }]);
      }

      const quiet = options.transactional ? 'ignore' : (opts.quietHours ?? 'defer');
      if (quiet !== 'ignore' && QUIET_CHANNELS.includes(opts.channel)) {
        const until = quietUntil(Date.now(), customer.timeZone, QUIET_FROM, QUIET_TO);
        if (until !== null) {
          if (quiet === 'skip') return record({ status: 'skipped', channel: opts.channel, reason: 'quiet_hours', step });
          await sleepMs(until - Date.now());
        }
      }

      // The first execution's run id keeps keys stable across retries and continue-as-new, yet
      // distinct for a later run of the same workflow id (re-entry after the previous run ended).
      const restartPart = epoch === 0 ? '' : `/r${epoch}`;
      const idempotencyKey = `${info.workflowId}/${info.firstExecutionRunId}${restartPart}/${step}`;
      // A send that started finishes and is recorded even if an exit event arrives meanwhile.
      const result = await CancellationScope.nonCancellable(() =>
        sendActivityFor(epoch === 0 ? step : `r${epoch}/${step}`)({
          idempotencyKey,
          customerId: input.customerId,
          workflowId: info.workflowId,
          runId: info.firstExecutionRunId,
          journey: options.id,
          step,
          channel: opts.channel,
          template: opts.template,
          data: { ...(trigger ? { event: trigger.properties } : {}), ...opts.data },
          transactional: options.transactional ?? false,
        })
          .catch((err: unknown): SendResult => {
            // Retries are exhausted or the provider said no for good: the journey goes on without it.
            if (!(err instanceof ActivityFailure)) throw err;
            const error = err.cause instanceof ApplicationFailure ? err.cause.message : err.message;
            return { status: 'failed', channel: opts.channel, error, step };
          }),
      );
      return record(result);
    },

    async sendFirstAvailable(channels, opts) {
      const step = opts.step ?? opts.template;
      const { reachable } = await ctx.refreshCustomer();
      let last: SendResult | undefined;
      for (const channel of channels) {
        const quietHours = reachable.includes(channel) || options.transactional ? opts.quietHours : 'ignore';
        last = await ctx.send({ ...opts, channel, step: `${step}:${channel}`, quietHours });
        if (last.status === 'sent') return last;
      }
      if (!last) throw ApplicationFailure.nonRetryable('sendFirstAvailable needs at least one channel');
      return last;
    },

    sleep: (duration) => sleepMs(msToNumber(duration)),

    async sleepUntil(at, opts) {
      const local = typeof at === 'string' ? parseLocalTime(at) : at;
      if (opts?.on === undefined) {
        await sleepMs(nextLocalTime(Date.now(), customer.timeZone, local) - Date.now());
        return true;
      }
      const target = localDateTime(opts.on, local, customer.timeZone);
      if (target < Date.now() && Date.now() >= localDateTime(opts.on, { hour: 24, minute: 0 }, customer.timeZone)) return false;
      await sleepMs(target - Date.now());
      return true;
    },

    sleepUntilInstant: async (when) => {
      const target = typeof when === 'number' ? when : Date.parse(when);
      if (target > Date.now()) await sleepMs(target - Date.now());
    },

    sleepUntilElapsed: (duration) => sleepMs(bodyStartedAt + msToNumber(duration) - Date.now()),

    async waitFor(spec, opts) {
      const type = (Array.isArray(spec) ? spec : [spec]).map((s) => (typeof s === 'string' ? s : s.event)).join(' | ');
      let hit = inbox.take(spec);
      if (hit) return hit;
      const timeout = msToNumber(opts.timeout);
      setWaiting({ for: 'event', event: type, until: new Date(Date.now() + timeout).toISOString() });
      const ok = await condition(() => (hit = inbox.take(spec)) !== undefined, timeout);
      setWaiting({ for: 'nothing' });
      return ok ? (hit ?? null) : null;
    },

    promoCode(prefix) {
      // Inside a workflow Math.random is the SDK's seeded generator: replays give the same code.
      const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
      let code = '';
      for (let i = 0; i < 6; i++) code += alphabet[Math.floor(Math.random() * alphabet.length)];
      return `${prefix}-${code}`;
    },

    async refreshCustomer() {
      customer = await dataActivities.loadProfile(input.customerId);
      return customer;
    },

    openedWithin: (channel, within) =>
      dataActivities.openedSince({
        customerId: input.customerId,
        channel,
        since: new Date(Date.now() - msToNumber(within)).toISOString(),
      }),
  };

  function record(result: SendResult): SendResult {
    status.sent.push({
      step: result.step,
      channel: result.channel,
      status: result.status,
      ...(result.status === 'skipped' ? { reason: result.reason } : result.status === 'failed' ? { reason: result.error } : {}),
    });
    if (result.status === 'sent') ctx.onSent();
    return result;
  }

  return ctx;
}
