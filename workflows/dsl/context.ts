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
 *   const subject = await j.variant('subject-test', ['a', 'b']);           // stable per customer, recorded
 */
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  patched,
  sleep as wfSleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { dataActivities, localDataActivities, sendActivityFor, sendLocalFirst } from './activities';
import type { Inbox } from './events';
import { pickVariant, stablePoint, variantsProblem } from '../bucket';
import { localDateTime, nextLocalTime, parseLocalTime, quietUntil, type LocalTime } from './local-time';
import type { Memo } from './memo';
import { listensTo, specType, type EventSpec, type JourneyOptions } from './options';
import { JourneyAttribute, StepAttribute } from '../contract';
import type { Channel, JourneyEvent, JourneyInput, Profile, RunStatus, SendRequest, SendResult } from '../contract';

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
}

export interface RunContext extends JourneyContext {
  readonly status: RunStatus;
  /** The variants recorded so far, carried across continue-as-new. */
  readonly variants: Record<string, string>;
  readonly bodyStartedAt: number;
  restart(event: JourneyEvent): void;
}

export interface ContextHooks {
  /** Called before every wait a body makes: the run may continue-as-new there (it throws then). */
  beforeWait(): Promise<void>;
  /** Called with every send's result. */
  onSent(result: SendResult): void;
}

export function createContext(args: {
  options: JourneyOptions;
  input: JourneyInput;
  inbox: Inbox;
  customer: Profile;
  memo: Memo;
  hooks: ContextHooks;
}): RunContext {
  const { options, input, inbox, memo, hooks } = args;
  const info = workflowInfo();
  const carried = input.carried;
  let epoch = carried?.epoch ?? 0;
  let customer = args.customer;
  let trigger = input.trigger;
  let bodyStartedAt = carried?.bodyStartedAt ?? Date.now();
  let usedSteps = new Set<string>();
  const variants: Record<string, string> = { ...(carried?.variants ?? {}) };
  const status: RunStatus = {
    journey: options.id,
    customerId: input.customerId,
    key: input.key,
    step: 'start',
    waiting: { for: 'nothing' },
    sent: [...(carried?.sent ?? [])],
    converted: carried?.conversion !== undefined,
  };

  const setWaiting = (w: RunStatus['waiting']) => (status.waiting = w);

  const sleepUntilMs = async (wakeAt: number, canContinueAsNew: boolean) => {
    if (wakeAt <= Date.now()) return;
    setWaiting({ for: 'time', until: new Date(wakeAt).toISOString() });
    if (canContinueAsNew) await hooks.beforeWait();
    await wfSleep(wakeAt - Date.now());
    setWaiting({ for: 'nothing' });
  };

  /** A sleep of the body: its wake-up instant is kept, so a continued run wakes at the same time. */
  const sleepTo = async (target: () => number) => {
    const { value: wakeAt } = memo.slot('sleep', target);
    await sleepUntilMs(wakeAt, true);
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
    get bodyStartedAt() {
      return bodyStartedAt;
    },
    status,
    variants,
    restart(event) {
      epoch += 1;
      trigger = event;
      bodyStartedAt = Date.now();
      usedSteps = new Set();
      memo.reset();
      status.step = 'restarted';
    },

    async send(opts) {
      const step = opts.step ?? opts.template;
      if (usedSteps.has(step)) {
        throw ApplicationFailure.nonRetryable(`Step id "${step}" is used twice in journey ${options.id}; give each send its own step`);
      }
      usedSteps.add(step);
      status.step = step;
      const slot = memo.slot<SendResult | null>('send', () => null);
      if (slot.value) return slot.value; // sent before continue-as-new: already in status.sent
      // Runs started through Cascade carry the search attributes; a bare test server has none defined.
      if (info.typedSearchAttributes.get(JourneyAttribute) !== undefined) {
        upsertSearchAttributes([{ key: StepAttribute, value: step }]);
      }

      const quiet = options.transactional ? 'ignore' : (opts.quietHours ?? 'defer');
      if (quiet !== 'ignore' && QUIET_CHANNELS.includes(opts.channel)) {
        const until = quietUntil(Date.now(), customer.timeZone, QUIET_FROM, QUIET_TO);
        if (until !== null) {
          if (quiet === 'skip') return record(slot.index, { status: 'skipped', channel: opts.channel, reason: 'quiet_hours', step });
          await sleepUntilMs(until, false);
        }
      }

      // The first execution's run id keeps keys stable across retries and continue-as-new, yet
      // distinct for a later run of the same workflow id (re-entry after the previous run ended).
      const restartPart = epoch === 0 ? '' : `/r${epoch}`;
      const idempotencyKey = `${info.workflowId}/${info.firstExecutionRunId}${restartPart}/${step}`;
      // A send that started finishes and is recorded even if an exit event arrives meanwhile.
      const request: SendRequest = {
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
        ...(options.topic && !options.transactional ? { topic: options.topic } : {}),
        ...(Object.keys(variants).length ? { variants: { ...variants } } : {}),
        requestedAt: new Date().toISOString(),
      };
      const asActivity = () => sendActivityFor(epoch === 0 ? step : `r${epoch}/${step}`)(request);
      const result = await CancellationScope.nonCancellable(() =>
        (patched('send-local-first') ? sendLocalFirst(request, asActivity) : asActivity()).catch(async (err: unknown): Promise<SendResult> => {
          // Retries are exhausted or the provider said no for good: the journey goes on without it,
          // and the ledger says failed (a pending row would count against the cap for ever).
          if (!(err instanceof ActivityFailure)) throw err;
          const error = err.cause instanceof ApplicationFailure ? err.cause.message : err.message;
          if (patched('ledger-records-failed-sends')) await dataActivities.markSendFailed({ idempotencyKey, error });
          return { status: 'failed', channel: opts.channel, error, step };
        }),
      );
      return record(slot.index, result);
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

    sleep: (duration) => sleepTo(() => Date.now() + msToNumber(duration)),

    async sleepUntil(at, opts) {
      const local = typeof at === 'string' ? parseLocalTime(at) : at;
      const { value } = memo.slot('sleep-until', (): { wakeAt: number; onTime: boolean } => {
        if (opts?.on === undefined) return { wakeAt: nextLocalTime(Date.now(), customer.timeZone, local), onTime: true };
        const target = localDateTime(opts.on, local, customer.timeZone);
        const dayOver = Date.now() >= localDateTime(opts.on, { hour: 24, minute: 0 }, customer.timeZone);
        return target < Date.now() && dayOver ? { wakeAt: 0, onTime: false } : { wakeAt: target, onTime: true };
      });
      if (value.onTime) await sleepUntilMs(value.wakeAt, true);
      return value.onTime;
    },

    sleepUntilInstant: (when) => sleepTo(() => (typeof when === 'number' ? when : Date.parse(when))),

    sleepUntilElapsed: (duration) => sleepTo(() => bodyStartedAt + msToNumber(duration)),

    async waitFor(spec, opts) {
      const specs = Array.isArray(spec) ? spec : [spec];
      const undeclared = specs.map(specType).filter((t) => !listensTo(options, t));
      if (undeclared.length) {
        // The router signals a run only the types its journey declares: this wait could never end early.
        throw ApplicationFailure.nonRetryable(`Journey ${options.id} waits for ${undeclared.join(', ')}: add it to waitsFor`);
      }
      const { index, value } = memo.slot('wait', () => ({ deadline: Date.now() + msToNumber(opts.timeout), got: undefined as JourneyEvent | null | undefined }));
      if (value.got !== undefined) return value.got;
      let hit = inbox.take(spec);
      if (!hit && value.deadline > Date.now()) {
        setWaiting({ for: 'event', event: specs.map(specType).join(' | '), until: new Date(value.deadline).toISOString() });
        await hooks.beforeWait();
        await condition(() => (hit = inbox.take(spec)) !== undefined, value.deadline - Date.now());
        setWaiting({ for: 'nothing' });
      }
      const got = hit ?? null;
      memo.set(index, { ...value, got });
      return got;
    },

    promoCode(prefix) {
      return memo.slot('promo-code', () => {
        // Inside a workflow Math.random is the SDK's seeded generator: replays give the same code.
        const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
        let code = '';
        for (let i = 0; i < 6; i++) code += alphabet[Math.floor(Math.random() * alphabet.length)];
        return `${prefix}-${code}`;
      }).value;
    },

    async refreshCustomer() {
      const { index, value } = memo.slot<Profile | null>('profile', () => null);
      customer = value ?? (await dataActivities.loadProfile(input.customerId, options.topic));
      memo.set(index, customer);
      return customer;
    },

    async openedWithin(channel, within) {
      const { index, value } = memo.slot<boolean | null>('opened-within', () => null);
      if (value !== null) return value;
      const opened = await dataActivities.openedSince({
        customerId: input.customerId,
        channel,
        since: new Date(Date.now() - msToNumber(within)).toISOString(),
      });
      memo.set(index, opened);
      return opened;
    },

    async variant(experiment, choices) {
      const problem = variantsProblem(experiment, choices);
      if (problem) throw ApplicationFailure.nonRetryable(`Journey ${options.id}: ${problem}`);
      // No memo slot: the answer is a pure function of its inputs, and a body that gains a variant
      // call must still line up with the memo of a run continued before the change.
      const chosen = pickVariant(choices, stablePoint(options.id, experiment, input.customerId));
      if (variants[experiment] === chosen) return chosen;
      variants[experiment] = chosen;
      // Histories from before experiments have no such activity call where the body now makes one.
      if (patched('variant-recorded')) {
        const req = { workflowId: info.workflowId, runId: info.firstExecutionRunId, experiment, variant: chosen };
        await (patched('local-variant-record') ? localDataActivities.recordRunVariant(req) : dataActivities.recordRunVariant(req));
      }
      return chosen;
    },
  };

  function record(index: number, result: SendResult): SendResult {
    memo.set(index, result);
    status.sent.push({
      step: result.step,
      channel: result.channel,
      status: result.status,
      ...(result.status === 'skipped' ? { reason: result.reason } : result.status === 'failed' ? { reason: result.error } : {}),
    });
    hooks.onSent(result);
    return result;
  }

  return ctx;
}
